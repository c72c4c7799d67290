package commands

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/internal/shareddata"
	"github.com/swarm-build/swarm/internal/simgraph"
	"github.com/swarm-build/swarm/schedule"
)

// The orchestrator's own decisions on a simulated clock: the deciders the
// server executes (Learn, Fresh, Dispatch, Complete) fold into a
// projections.State exactly as they would from the log, with event times
// taken from a simulated clock, over the real graph of testdata/. This is
// the check that what the farm runs, not only package schedule's model of
// it, ends near the lower bound.

var (
	simOnce  sync.Once
	simInput simgraph.Input
	simErr   error
)

func simJobs(t testing.TB) []schedule.Job {
	t.Helper()
	simOnce.Do(func() {
		simInput, simErr = simgraph.Load(shareddata.File(t, "graph/macaroni-next-md5cache.tsv.gz"),
			shareddata.File(t, "emerge-log/emlop-emerge.10000.log.gz"), 0)
	})
	if simErr != nil {
		t.Fatal(simErr)
	}
	return simInput.Jobs
}

// simulateDispatch runs SimulateDispatch, failing the test on error.
func simulateDispatch(t testing.TB, jobs []schedule.Job, fleet []schedule.Drone) time.Duration {
	t.Helper()
	res, err := SimulateDispatch(jobs, fleet)
	if err != nil {
		t.Fatal(err)
	}
	return res.Makespan
}

var (
	simFleet4  = []int{24, 16, 14, 8}
	simFleet16 = []int{32, 32, 24, 24, 16, 16, 16, 16, 12, 12, 8, 8, 8, 8, 4, 4}
)

func simFleet(cores []int) []schedule.Drone {
	f := make([]schedule.Drone, len(cores))
	for i, c := range cores {
		f[i] = schedule.Drone{ID: fmt.Sprintf("%02d", i), Cores: c}
	}
	return f
}

// TestDispatchNearLowerBound: on the real graph the orchestrator's
// dispatch ends within 5% of the lower bound on 4 and 16 drones, and
// sooner than FIFO.
func TestDispatchNearLowerBound(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a 2,000-package build twice")
	}
	jobs := simJobs(t)
	for _, cores := range [][]int{simFleet4, simFleet16} {
		fleet := simFleet(cores)
		makespan := simulateDispatch(t, jobs, fleet)
		bound, err := schedule.LowerBound(jobs, fleet)
		if err != nil {
			t.Fatal(err)
		}
		fifo, err := schedule.Simulate(jobs, fleet, schedule.PolicyFIFO)
		if err != nil {
			t.Fatal(err)
		}
		ratio := float64(makespan) / float64(bound.Max())
		t.Logf("%d drones, %d packages: makespan %v, bound %v, ratio %.4f; FIFO ratio %.4f",
			len(fleet), len(jobs), makespan.Round(time.Second), bound.Max().Round(time.Second), ratio, fifo.Ratio())
		if ratio > 1.05 {
			t.Errorf("%d drones: the orchestrator's dispatch is %.4f × the lower bound, want ≤ 1.05", len(fleet), ratio)
		}
		if makespan >= fifo.Makespan {
			t.Errorf("%d drones: dispatch (%v) no faster than FIFO (%v)", len(fleet), makespan, fifo.Makespan)
		}
	}
}

// BenchmarkDispatchSimulated4 and 16 report the orchestrator's dispatch on
// the real graph: ratio to the lower bound and FIFO's ratio.
func BenchmarkDispatchSimulated4(b *testing.B)  { benchmarkDispatchSim(b, simFleet4) }
func BenchmarkDispatchSimulated16(b *testing.B) { benchmarkDispatchSim(b, simFleet16) }

func benchmarkDispatchSim(b *testing.B, cores []int) {
	jobs := simJobs(b)
	fleet := simFleet(cores)
	var makespan time.Duration
	for b.Loop() {
		makespan = simulateDispatch(b, jobs, fleet)
	}
	bound, err := schedule.LowerBound(jobs, fleet)
	if err != nil {
		b.Fatal(err)
	}
	fifo, err := schedule.Simulate(jobs, fleet, schedule.PolicyFIFO)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(jobs)), "packages")
	b.ReportMetric(float64(makespan)/float64(bound.Max()), "ratio")
	b.ReportMetric(fifo.Ratio(), "fifo_ratio")
	b.ReportMetric(float64(fifo.Makespan)/float64(makespan), "x_fifo")
}
