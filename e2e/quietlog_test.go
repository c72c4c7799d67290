package e2e

import (
	"fmt"
	"testing"
	"time"
)

// TestQuietLogLeases runs a farm on the quiet log (the default
// farm.sample_every): a build three leases long on a live drone is never
// reclaimed though no lease_renewed event is written, and a killed drone's
// build is reclaimed with the reason in the log. Heartbeats keep both in
// the orchestrator's memory; the log holds the decisions.
func TestQuietLogLeases(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("long")
	f.addDrone("victim")
	f.serve()
	atoms := realAtoms(t, 400, 2)
	long, lost := atoms[0], atoms[1]

	// 12s: three 4s leases, a dozen 1s heartbeats.
	f.enqueue(long)
	f.startDrone("long", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=12"}})
	f.waitFor(startTimeout, "long to be building", func() (bool, string) {
		r := readRecord(t, f.record).running("long")
		return len(r) > 0, fmt.Sprintf("long runs %v", r)
	})
	f.enqueue(lost)
	f.startDrone("victim", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=600"}})
	f.waitFor(startTimeout, "victim to be building", func() (bool, string) {
		r := readRecord(t, f.record).running("victim")
		return len(r) > 0, fmt.Sprintf("victim runs %v", r)
	})
	f.killDrone("victim")

	e := f.waitEvent(60*time.Second, lost+" reclaimed", func(e event) bool {
		return e.Type == "reclaimed" && e.Atom == lost
	})
	if e.Reason != "drone victim offline" {
		t.Errorf("the killed drone's build was reclaimed for %q, want its drone offline: %s", e.Reason, e)
	}
	f.waitEvent(60*time.Second, long+" completed", func(e event) bool {
		return e.Type == "completed" && e.Atom == long
	})
	evs := f.events()
	if r := evs.ofType("reclaimed").about(long); len(r) > 0 {
		t.Errorf("the live drone's long build was reclaimed: %s", r)
	}
	if c := evs.ofType("completed").about(long); len(c) != 1 || c[0].Drone != "long" {
		t.Errorf("the long build's completions: %s", c)
	}
	if r := evs.ofType("lease_renewed"); len(r) > 0 {
		t.Errorf("the quiet log holds %d lease_renewed events: %s", len(r), r[0])
	}
	// One sample at its first heartbeat, and one per health change; not
	// one per beat (a dozen and more by now).
	if h := evs.ofType("drone_health").by("long"); len(h) > 3 {
		t.Errorf("%d drone_health events from long in under a minute: %s", len(h), h)
	}
}
