package e2e

import (
	"fmt"
	"testing"
)

// TestDroneGivenSeveralOrchestrators: the real `swarm drone` given every
// member's URL, the first of which is down, moves on to the one that
// answers, says so in one line, and builds there. (Following a leader
// named by a follower is proven in package drone with real orchestrators
// until `swarm serve` runs as a cluster member.)
func TestDroneGivenSeveralOrchestrators(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("d1")
	f.serve()
	dead := "http://" + freeLoopbackAddr(t) // nothing answers there
	atoms := realAtoms(t, 700, 2)
	f.enqueue(atoms...)
	f.startDrone("d1", droneOpts{args: []string{"--orchestrator", dead + "," + f.url}})
	f.waitDroneSaid("d1", "trying the next orchestrator")
	f.waitFor(startTimeout, "both packages built", func() (bool, string) {
		built := 0
		for _, r := range f.queue() {
			if r.State == "built" {
				built++
			}
		}
		return built == len(atoms), fmt.Sprintf("%d of %d built", built, len(atoms))
	})
}
