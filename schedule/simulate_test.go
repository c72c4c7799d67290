package schedule

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// fleet makes drones with these core counts.
func fleet(cores ...int) []Drone {
	ds := make([]Drone, len(cores))
	for i, c := range cores {
		ds[i] = Drone{ID: fmt.Sprintf("d%d", i), Cores: c}
	}
	return ds
}

// TestSimulateOptimal runs graphs whose optimal makespan is known (it equals
// the lower bound) and checks the critical-path policy reaches it.
func TestSimulateOptimal(t *testing.T) {
	r := RefCores
	tests := []struct {
		name  string
		jobs  []Job
		fleet []Drone
		want  time.Duration
	}{
		{"one job", []Job{{Work: 3 * s}}, fleet(r), 3 * s},
		{"one job takes the big drone", []Job{{Work: 4 * s}}, fleet(r, 2*r), 2 * s},
		{"chain: one drone at a time, the fastest", chain(1*s, 2*s, 3*s), fleet(r, 4*r, r), 1500 * time.Millisecond},
		{"independent equal jobs fill the fleet", make4(8, 2*s), fleet(r, r, r, r), 4 * s},
		{
			// Queue order a, b, c→d: FIFO starts a and b, leaving the chain
			// for later (8s); the critical path starts c at once (6s).
			"chain first",
			[]Job{{Work: 2 * s}, {Work: 2 * s}, {Work: 3 * s}, {Work: 3 * s, Deps: []int{2}}},
			fleet(r, r), 6 * s,
		},
		{
			// 24s of work on 24+8 cores: the big drone takes the 18s job (6s)
			// and the small one the two 3s jobs (6s).
			"long job to the big drone",
			[]Job{{Work: 3 * s}, {Work: 3 * s}, {Work: 18 * s}},
			fleet(r, 3*r), 6 * s,
		},
		{
			// The diamond of TestPriorities on two drones: 2, then 4 ∥ 1, then 1.
			"diamond",
			[]Job{{Work: 2 * s}, {Work: 4 * s, Deps: []int{0}}, {Work: 1 * s, Deps: []int{0}}, {Work: 1 * s, Deps: []int{1, 2}}},
			fleet(r, r), 7 * s,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Simulate(tt.jobs, tt.fleet, PolicyCriticalPath)
			if err != nil {
				t.Fatal(err)
			}
			checkSchedule(t, tt.jobs, tt.fleet, res)
			if res.Makespan != tt.want || res.LowerBound() != tt.want || res.Ratio() != 1 {
				t.Errorf("makespan %v, lower bound %v (ratio %.3f); want both %v", res.Makespan, res.LowerBound(), res.Ratio(), tt.want)
			}
		})
	}
}

func make4(n int, w time.Duration) []Job {
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i].Work = w
	}
	return jobs
}

func TestSimulateFIFO(t *testing.T) {
	jobs := []Job{{Work: 2 * s}, {Work: 2 * s}, {Work: 3 * s}, {Work: 3 * s, Deps: []int{2}}}
	res, err := Simulate(jobs, fleet(RefCores, RefCores), PolicyFIFO)
	if err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, jobs, fleet(RefCores, RefCores), res)
	if res.Makespan != 8*s || res.LowerBound() != 6*s {
		t.Errorf("FIFO: makespan %v, bound %v; want 8s and 6s", res.Makespan, res.LowerBound())
	}
	if want := 10.0 / 16; res.Utilisation != want {
		t.Errorf("utilisation %v, want %v", res.Utilisation, want)
	}
}

// TestSimulateLookahead: when the long job L becomes ready, the 16-core
// drone is busy with M until 11.5s. Starting L on the 8-core drone ends at 22s;
// leaving it to the big drone ends at 21.5s.
func TestSimulateLookahead(t *testing.T) {
	jobs := []Job{
		{ID: "M", Work: 23 * s},
		{ID: "P", Work: 2 * s},
		{ID: "L", Work: 20 * s, Deps: []int{1}},
	}
	f := fleet(2*RefCores, RefCores)
	want := map[bool]time.Duration{false: 22 * s, true: 21500 * time.Millisecond}
	for _, look := range []bool{false, true} {
		pol := PolicyCriticalPath
		pol.Lookahead = look
		res, err := Simulate(jobs, f, pol)
		if err != nil {
			t.Fatal(err)
		}
		checkSchedule(t, jobs, f, res)
		if res.Makespan != want[look] {
			t.Errorf("lookahead %v: makespan %v, want %v", look, res.Makespan, want[look])
		}
	}
}

func TestSimulateErrors(t *testing.T) {
	if _, err := Simulate([]Job{{}}, nil, PolicyFIFO); !errors.Is(err, ErrBadFleet) {
		t.Errorf("no drones: %v", err)
	}
	if _, err := Simulate([]Job{{}}, fleet(8, 0), PolicyFIFO); !errors.Is(err, ErrBadFleet) {
		t.Errorf("a drone without cores: %v", err)
	}
	if _, err := Simulate([]Job{{Deps: []int{1}}, {Deps: []int{0}}}, fleet(8), PolicyFIFO); !errors.Is(err, ErrCycle) {
		t.Errorf("cycle: %v", err)
	}
	res, err := Simulate(nil, fleet(8), PolicyCriticalPath)
	if err != nil || res.Makespan != 0 || res.Ratio() != 1 || res.Utilisation != 1 {
		t.Errorf("no jobs: %+v, %v", res, err)
	}
}

// TestSimulateProperties runs both policies over random graphs and fleets
// and checks every schedule: each job runs exactly once, after all its
// dependencies ended, on a drone doing nothing else, for its drone's time;
// the makespan is at least the lower bound; and the run is deterministic.
func TestSimulateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 300 {
		jobs := randomGraph(rng, 1+rng.IntN(120))
		var cores []int
		for range 1 + rng.IntN(6) {
			cores = append(cores, []int{1, 2, 4, 8, 14, 16, 24, 64}[rng.IntN(8)])
		}
		f := fleet(cores...)
		for _, pol := range []Policy{PolicyCriticalPath, PolicyFIFO, {Name: "cp-only", ByCriticalPath: true}} {
			res, err := Simulate(jobs, f, pol)
			if err != nil {
				t.Fatalf("trial %d %s: %v", trial, pol.Name, err)
			}
			checkSchedule(t, jobs, f, res)
			again, _ := Simulate(jobs, f, pol)
			if !reflect.DeepEqual(res, again) {
				t.Fatalf("trial %d %s: two runs differ", trial, pol.Name)
			}
			// Builds that take longer or shorter than expected.
			actual, real := noisy(rng, jobs)
			res, err = SimulateActual(jobs, actual, f, pol)
			if err != nil {
				t.Fatalf("trial %d %s with actual times: %v", trial, pol.Name, err)
			}
			checkSchedule(t, real, f, res)
		}
	}
}

// noisy returns each job's actual time, its Work times a random factor
// from ¼ to 4, and the jobs with those times as their Work.
func noisy(rng *rand.Rand, jobs []Job) ([]time.Duration, []Job) {
	actual := make([]time.Duration, len(jobs))
	real := make([]Job, len(jobs))
	for i, j := range jobs {
		actual[i] = time.Duration(float64(j.Work) * math.Exp2(4*rng.Float64()-2))
		real[i] = Job{Work: actual[i], Deps: j.Deps}
	}
	return actual, real
}

// TestSimulateActual: the scheduler decides on Work, the clock runs on the
// actual times. The big drone's first build (M) overruns: at 2s the small
// drone, expecting M to end at 11.5s, leaves L to the big drone (9.5s + 10s
// < 20s) and waits longer than it thought. Asking again later changes
// nothing: an overdue build counts as ending now, so the big drone only
// looks better. M ends at 20s, L at 30s (on the small drone: 22s). This is
// the price of the lookahead when estimates are wrong.
func TestSimulateActual(t *testing.T) {
	jobs := []Job{
		{ID: "M", Work: 23 * s},
		{ID: "P", Work: 2 * s},
		{ID: "L", Work: 20 * s, Deps: []int{1}},
	}
	f := fleet(2*RefCores, RefCores)
	res, err := SimulateActual(jobs, []time.Duration{40 * s, 2 * s, 20 * s}, f, PolicyCriticalPath)
	if err != nil {
		t.Fatal(err)
	}
	real := []Job{{Work: 40 * s}, {Work: 2 * s}, {Work: 20 * s, Deps: []int{1}}}
	checkSchedule(t, real, f, res)
	if res.Makespan != 30*s || res.Bounds.CriticalPath != 20*s {
		t.Errorf("makespan %v, critical path %v; want 30s, 20s", res.Makespan, res.Bounds.CriticalPath)
	}
	if _, err := SimulateActual(jobs, []time.Duration{s}, f, PolicyFIFO); !errors.Is(err, ErrBadJob) {
		t.Errorf("too few actual times: %v", err)
	}
}

// randomGraph makes n jobs, each depending on a few earlier ones (shuffled
// so dependencies are not always listed first), with heavy-tailed work.
func randomGraph(rng *rand.Rand, n int) []Job {
	perm := rng.Perm(n) // perm[k]: where the k-th job of the DAG's order sits
	jobs := make([]Job, n)
	for k := range n {
		j := &jobs[perm[k]]
		j.Work = time.Duration(rng.ExpFloat64()*float64(time.Minute)) + time.Duration(rng.IntN(2))*time.Second
		if rng.IntN(10) == 0 {
			j.Work = 0
		}
		for range rng.IntN(4) {
			if k > 0 {
				j.Deps = append(j.Deps, perm[rng.IntN(k)])
			}
		}
	}
	return jobs
}

func checkSchedule(t *testing.T, jobs []Job, f []Drone, res Result) {
	t.Helper()
	if res.Jobs != len(jobs) || len(res.Runs) != len(jobs) {
		t.Fatalf("%d runs for %d jobs", len(res.Runs), len(jobs))
	}
	run := make([]*Run, len(jobs))
	var last time.Duration
	byDrone := make([][]Run, len(f))
	for k := range res.Runs {
		r := &res.Runs[k]
		if run[r.Job] != nil {
			t.Fatalf("job %d ran twice", r.Job)
		}
		run[r.Job] = r
		if r.End-r.Start != f[r.Drone].Time(jobs[r.Job].Work) || r.Start < 0 {
			t.Fatalf("job %d ran %v–%v on drone %d", r.Job, r.Start, r.End, r.Drone)
		}
		if k > 0 && r.Start < res.Runs[k-1].Start {
			t.Fatalf("runs not in start order at %d", k)
		}
		last = max(last, r.End)
		byDrone[r.Drone] = append(byDrone[r.Drone], *r)
	}
	for i, j := range jobs {
		for _, d := range j.Deps {
			if run[d].End > run[i].Start {
				t.Fatalf("job %d started at %v before its dependency %d ended at %v", i, run[i].Start, d, run[d].End)
			}
		}
	}
	for d, runs := range byDrone {
		for k := 1; k < len(runs); k++ { // runs are in start order
			if runs[k].Start < runs[k-1].End {
				t.Fatalf("drone %d runs job %d from %v while job %d runs until %v", d, runs[k].Job, runs[k].Start, runs[k-1].Job, runs[k-1].End)
			}
		}
	}
	if res.Makespan != last {
		t.Fatalf("makespan %v, last build ends at %v", res.Makespan, last)
	}
	if res.Makespan < res.LowerBound() {
		t.Fatalf("makespan %v beats the lower bound %v: the bound is wrong", res.Makespan, res.LowerBound())
	}
	if res.Utilisation <= 0 || res.Utilisation > 1+1e-9 {
		t.Fatalf("utilisation %v", res.Utilisation)
	}
}
