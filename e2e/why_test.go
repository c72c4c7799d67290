package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestWhyNamesEachReason: a package is held back by three things at once —
// the farm paused, the package excluded on the only drone, the drone
// grounded — and `swarm why` names each, with the drones it rules out.
// Lifted one at a time, each reason leaves the answer while the others
// stay, and the package is not claimed until the last one is gone; then the
// drone builds it.
func TestWhyNamesEachReason(t *testing.T) {
	t.Parallel()
	f := newFarm(t, everyBeat)
	f.addDrone("d1")
	f.serve()
	atom := realAtoms(t, 2200, 1)[0]
	pattern := catName(t, atom)
	f.enqueue(atom)
	f.swarm("pause", "--reason", "e2e hold")
	f.swarm("exclude", "add", pattern, "--drone", "d1", "--reason", "e2e: not on d1")
	f.startDrone("d1", droneOpts{})
	f.waitOnline("d1")
	f.swarm("ground", "d1", "--for", "1h", "--reason", "e2e: grounded by hand")

	const (
		paused   = "dispatching is paused: e2e hold"
		excluded = "excluded on this drone by"
		grounded = "grounded: e2e: grounded by hand"
	)
	type want struct {
		prefix string
		drones []string // nil: rules out every drone, so names none
	}
	all := []want{{paused, nil}, {excluded, []string{"d1"}}, {grounded, []string{"d1"}}}
	steps := []struct {
		lift string
		args []string
	}{
		{paused, []string{"resume"}},
		{grounded, []string{"unground", "d1"}},
		{excluded, []string{"exclude", "rm", pattern, "--drone", "d1"}},
	}
	for i, step := range steps {
		w := f.why(atom)
		if w.State != "needed" {
			t.Fatalf("step %d: %s is %s, want needed:\n%s", i, atom, w.State, w)
		}
		for _, r := range all {
			got, ok := w.reason(r.prefix)
			if !ok {
				t.Errorf("step %d: swarm why %s has no reason starting %q:\n%s", i, atom, r.prefix, w)
			} else if !slices.Equal(got.Drones, r.drones) && !(len(r.drones) == 0 && len(got.Drones) == 0) {
				t.Errorf("step %d: reason %q rules out %v, want %v", i, got.Reason, got.Drones, r.drones)
			}
		}
		if len(w.Reasons) != len(all) || len(w.Able) != 0 {
			t.Errorf("step %d: swarm why %s: want exactly %d reasons and no able drone:\n%s", i, atom, len(all), w)
		}
		// Two heartbeats, each a chance to claim (d1 learns of a pause or
		// a grounding from them and then asks for nothing); with only the
		// exclusion left, d1 asks and the dispatcher must refuse it.
		f.waitHeartbeats(2, "d1")
		if len(all) == 1 && all[0].prefix == excluded {
			f.waitAsked(2, "d1")
		}
		noClaims(t, f.events(), 0, fmt.Sprintf("step %d: claimed though %d reasons stand", i, len(all)),
			func(event) bool { return true })

		f.swarm(step.args...)
		all = slices.DeleteFunc(all, func(r want) bool { return r.prefix == step.lift })
		w = f.why(atom)
		if w.State != "needed" {
			continue // the last lift: it may be claimed already
		}
		if r, ok := w.reason(step.lift); ok {
			t.Errorf("after swarm %v, why still says %q:\n%s", step.args, r.Reason, w)
		}
		if len(all) == 0 && (len(w.Reasons) != 0 || !slices.Equal(w.Able, []string{"d1"})) {
			t.Errorf("after swarm %v, nothing should stand in the way and d1 be able:\n%s", step.args, w)
		}
	}

	f.waitEvent(30*time.Second, atom+" completed by d1 once nothing stands in its way", func(e event) bool {
		return e.Type == "completed" && e.Atom == atom && e.Drone == "d1"
	})
	if w := f.why(atom); w.State != "built" {
		t.Errorf("swarm why %s after its build: %s, want built", atom, w)
	}
}
