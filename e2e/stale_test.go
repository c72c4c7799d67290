package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStaleTreeGetsNoWork is the stale-queue incident, prevented: the queue
// comes from real `emerge --pretend` output recorded against tree T1, and a
// drone on tree T0 gets no work while status and `swarm why` name it and
// its tree. A drone on T1 builds meanwhile; once the stale drone is
// restarted on T1 it builds too.
func TestStaleTreeGetsNoWork(t *testing.T) {
	t.Parallel()
	plan := sharedData(t, "emerge-pretend/emlop-emerge-p.qt.out.txt")
	f := newFarm(t)
	f.addDrone("A")
	f.addDrone("B")
	f.serve()
	if out := f.swarm("fresh", "--from", plan, "--tree", "T1"); !strings.Contains(out, "Discovered 34 packages") {
		t.Errorf("swarm fresh --from %s printed:\n%s\nwant it to say it discovered the 34 packages", plan, out)
	}
	atoms := neededAtoms(f.queue())
	if len(atoms) != 34 {
		t.Fatalf("after fresh, %d packages needed, want the plan's 34: %v", len(atoms), atoms)
	}

	// B alone, on the old tree: work waits, B takes none of it.
	f.startDrone("B", droneOpts{args: []string{"--tree", "T0"}})
	f.waitOnline("B")
	f.waitFor(10*time.Second, "status to name B as stale", func() (bool, string) {
		var s staleStatus
		f.swarmJSON(&s, "status")
		ok := s.Sync.Tree == "T1" && len(s.StaleDrones) == 1 && s.StaleDrones[0].ID == "B" && s.StaleDrones[0].Tree == "T0"
		return ok, fmt.Sprintf("%+v", s)
	})
	if out := f.swarm("status"); !staleLine(out, "B", "T0") {
		t.Errorf("swarm status has no Stale: line naming B and its tree T0:\n%s", out)
	}
	w := f.why(atoms[0])
	if r, ok := w.reason("stale tree"); !ok || !slices.Equal(r.Drones, []string{"B"}) {
		t.Errorf("swarm why %s: want a reason starting \"stale tree\" ruling out [B]; got:\n%s", atoms[0], w)
	} else if !strings.Contains(r.Reason, "T0") || !strings.Contains(r.Reason, "T1") {
		t.Errorf("swarm why %s: the stale-tree reason %q names neither trees T0 and T1", atoms[0], r.Reason)
	}
	f.waitAsked(3, "B") // B asks, and is refused, three times on the stale tree
	noClaims(t, f.events(), 0, "claims while the only drone is on a stale tree", func(event) bool { return true })

	// A, on the queue's tree, builds; B still takes nothing.
	f.startDrone("A", droneOpts{args: []string{"--tree", "T1"}, env: []string{"FAKE_EMERGE_SECONDS=1"}})
	f.waitEvent(startTimeout, "A to claim", func(e event) bool { return e.Type == "claimed" && e.Drone == "A" })
	f.waitAsked(2, "B") // B keeps asking while A builds
	noClaims(t, f.events(), 0, "B claimed on a stale tree", func(e event) bool { return e.Drone == "B" })

	// B synced: it builds.
	f.stopDrone("B")
	stopped := f.status().Seq
	f.startDrone("B", droneOpts{args: []string{"--tree", "T1"}, env: []string{"FAKE_EMERGE_SECONDS=0.2"}})
	synced := f.waitEvent(startTimeout, "B to register again", func(e event) bool {
		return e.Type == "drone_registered" && e.Drone == "B" && e.Seq > stopped
	}).Seq
	f.waitEvent(30*time.Second, "B, on the queue's tree, to complete a build", func(e event) bool {
		return e.Type == "completed" && e.Drone == "B"
	})
	if s := f.waitSettled(60 * time.Second); s.Queue.Built != len(atoms) {
		t.Errorf("status queue %+v, want all %d built", s.Queue, len(atoms))
	}
	evs := f.events()
	noClaims(t, evs.where(func(e event) bool { return e.Seq < synced }), 0,
		"B claimed before it registered on the queue's tree", func(e event) bool { return e.Drone == "B" })
	var s staleStatus
	f.swarmJSON(&s, "status")
	if len(s.StaleDrones) > 0 {
		t.Errorf("status still names stale drones after B synced: %+v", s.StaleDrones)
	}
	if out := f.swarm("status"); staleLine(out, "B", "") {
		t.Errorf("swarm status still has a Stale: line for B:\n%s", out)
	}
}

// staleLine reports whether human status output has a "Stale:" line that
// names drone (and tree, unless "").
func staleLine(out, drone, tree string) bool {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "Stale:") && strings.Contains(line, drone) && strings.Contains(line, tree) {
			return true
		}
	}
	return false
}
