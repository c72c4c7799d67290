package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkReclaimDelay measures how long a dead drone's package stays
// claimed: a real `swarm drone` holding a build is killed with SIGKILL, and
// the delay runs from the kill to the orchestrator's reclaimed event (its
// own timestamp). It is reported as a multiple of the heartbeat interval
// (goal: at most 3). Each iteration is a whole farm, so run it with a small
// count:
//
//	go test -run XXX -bench ReclaimDelay -benchtime 5x ./e2e
func BenchmarkReclaimDelay(b *testing.B) {
	const heartbeat = time.Second
	var delays []time.Duration
	for i := range b.N {
		f := newFarm(b, setting{"farm.heartbeat", fmt.Sprintf("%q", heartbeat.String())})
		f.addDrone("d1")
		f.serve()
		atom := realAtoms(b, 40+i, 1)[0]
		f.enqueue(atom)
		f.startDrone("d1", droneOpts{env: []string{"FAKE_EMERGE_HANG=*"}})
		f.waitFor(startTimeout, "d1 to be building", func() (bool, string) {
			running := readRecord(b, f.record).running("d1")
			return len(running) > 0, fmt.Sprintf("d1 runs %v", running)
		})
		// Kill at a random point of the heartbeat cycle, as a real death is.
		time.Sleep(time.Duration(i) * heartbeat / time.Duration(max(b.N, 1)))
		f.killDrone("d1")
		killed := time.Now()
		e := f.waitEvent(30*time.Second, atom+" reclaimed", func(e event) bool {
			return e.Type == "reclaimed" && e.Atom == atom
		})
		delays = append(delays, e.Time.Sub(killed))
		f.cleanup()
	}
	slices.Sort(delays)
	var sum time.Duration
	for _, d := range delays {
		sum += d
	}
	b.ReportMetric(float64(sum)/float64(len(delays))/float64(heartbeat), "mean-x-heartbeat")
	b.ReportMetric(float64(delays[len(delays)-1])/float64(heartbeat), "max-x-heartbeat")
}
