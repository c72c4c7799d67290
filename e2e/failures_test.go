package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// failWith is the environment of a drone whose builds of packages matching
// pattern fail with the real emerge text in testdata/text.
func failWith(pattern, text string) []string {
	return []string{"FAKE_EMERGE_FAIL=" + pattern, "FAKE_EMERGE_FAIL_TEXT=" + testdata(text)}
}

// TestBreakerGroundsFailingDrone: a drone whose every build fails (with a
// real compile failure) is grounded after farm.ground_after (5) failures in
// a row; the others build its packages; after farm.ground_for it is
// ungrounded and claims again. Its failures are its own, not the packages':
// none is marked failed.
func TestBreakerGroundsFailingDrone(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"farm.ground_for", `"3s"`})
	for _, id := range []string{"good1", "good2", "bad"} {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 700, 60)
	f.enqueue(atoms...)
	f.startDrone("bad", droneOpts{env: failWith("*", "ibus-compile-failure.txt")})
	f.startDrone("good1", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=0.4"}})
	f.startDrone("good2", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=0.4"}})

	grounded := f.waitEvent(30*time.Second, "bad to be grounded", func(e event) bool {
		return e.Type == "grounded" && e.Drone == "bad"
	})
	evs := f.events()
	fails := evs.ofType("failed").by("bad").where(func(e event) bool { return e.Seq < grounded.Seq })
	if len(fails) != 5 {
		t.Errorf("bad was grounded after %d failures, want 5 (farm.ground_after):\n%s", len(fails), fails)
	}
	for _, e := range fails {
		if e.Signature != "compile-phase" || e.Final {
			t.Errorf("failure %s: want signature compile-phase, not final", e)
		}
	}
	if g := evs.ofType("grounded").where(func(e event) bool { return e.Drone != "bad" }); len(g) > 0 {
		t.Errorf("healthy drones grounded:\n%s", g)
	}

	ungrounded := f.waitEvent(20*time.Second, "bad to be ungrounded after farm.ground_for (3s)", func(e event) bool {
		return e.Type == "ungrounded" && e.Drone == "bad" && e.Seq > grounded.Seq
	})
	f.waitEvent(20*time.Second, "bad to claim again after its grounding", func(e event) bool {
		return e.Type == "claimed" && e.Drone == "bad" && e.Seq > ungrounded.Seq
	})

	s := f.waitSettled(90 * time.Second)
	if s.Queue.Built != len(atoms) || s.Queue.Failed != 0 {
		t.Errorf("status queue %+v, want all %d built and none failed", s.Queue, len(atoms))
	}
	evs = f.events()
	if c := evs.ofType("completed").by("bad"); len(c) > 0 {
		t.Errorf("bad, which fails everything, completed:\n%s", c)
	}
	if final := evs.ofType("failed").where(func(e event) bool { return e.Final }); len(final) > 0 {
		t.Errorf("packages failed for good because one drone fails everything:\n%s", final)
	}
}

// TestPackageFailureGroundsNobody: one package fails on every drone; after
// farm.fail_after_drones (2) distinct drones it is failed, the drones are
// not grounded, the farm is not paused, and everything else is built.
func TestPackageFailureGroundsNobody(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	ids := []string{"d1", "d2", "d3"}
	for _, id := range ids {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 900, 10)
	broken := atoms[3]
	f.enqueue(atoms...)
	for _, id := range ids {
		f.startDrone(id, droneOpts{env: append(failWith(broken, "ibus-compile-failure.txt"), "FAKE_EMERGE_SECONDS=0.2")})
	}
	f.waitFor(60*time.Second, broken+" to be failed", func() (bool, string) {
		r, _ := rowOf(f.queue(), broken)
		return r.State == "failed", fmt.Sprintf("%+v", r)
	})
	s := f.waitSettled(60 * time.Second)
	if s.Queue.Built != len(atoms)-1 || s.Queue.Failed != 1 {
		t.Errorf("status queue %+v, want %d built and 1 failed", s.Queue, len(atoms)-1)
	}
	if s.Paused != nil {
		t.Errorf("the farm paused for one package's failure: %+v", *s.Paused)
	}

	evs := f.events()
	fails := evs.ofType("failed").about(broken)
	var on []string
	for _, e := range fails {
		if !slices.Contains(on, e.Drone) {
			on = append(on, e.Drone)
		}
	}
	last, _ := fails.where(func(e event) bool { return e.Final }).first()
	switch {
	case len(on) != 2:
		t.Errorf("%s failed on %v, want 2 distinct drones (farm.fail_after_drones):\n%s", broken, on, fails)
	case !last.Final:
		t.Errorf("no failure of %s is final:\n%s", broken, fails)
	case len(evs.about(broken).after(last.Seq).ofType("claimed")) > 0:
		t.Errorf("%s was claimed after it failed for good:\n%s", broken, evs.about(broken))
	}
	if g := evs.ofType("grounded"); len(g) > 0 {
		t.Errorf("a package's failure grounded drones:\n%s", g)
	}
	for id, d := range f.droneRows() {
		if d.Status == "grounded" {
			t.Errorf("drone %s is grounded: %+v", id, d)
		}
	}
}

// TestSystemicSlotConflictPauses is the stale-queue incident: every build
// on every drone fails with the same real slot conflict. The farm pauses
// with a reason naming the signature and grounds nobody, and nothing is
// dispatched while it is paused.
func TestSystemicSlotConflictPauses(t *testing.T) {
	t.Parallel()
	f := newFarm(t, everyBeat)
	ids := []string{"d1", "d2", "d3"}
	for _, id := range ids {
		f.addDrone(id)
	}
	f.serve()
	f.enqueue(realAtoms(t, 1100, 20)...)
	for _, id := range ids {
		f.startDrone(id, droneOpts{env: append(failWith("*", "slot-conflict.txt"), "FAKE_EMERGE_SECONDS=0.2")})
	}
	var s status
	f.waitFor(30*time.Second, "the farm to pause", func() (bool, string) {
		s = f.status()
		return s.Paused != nil, fmt.Sprintf("status queue %+v, paused %v", s.Queue, s.Paused)
	})
	if !strings.Contains(s.Paused.Reason, "slot-conflict") {
		t.Errorf("paused with reason %q, want it to name the signature slot-conflict", s.Paused.Reason)
	}
	paused := f.waitEvent(5*time.Second, "a queue_paused event", func(e event) bool { return e.Type == "queue_paused" })
	if !strings.Contains(paused.Reason, "slot-conflict") {
		t.Errorf("queue_paused event %s does not name slot-conflict", paused)
	}

	// Once every build in flight has reported and each drone has beaten
	// three times since (learning of the pause): still nobody grounded,
	// nothing dispatched.
	f.waitFor(30*time.Second, "the builds in flight at the pause to report", func() (bool, string) {
		s := f.status()
		return s.Queue.Building == 0, fmt.Sprintf("queue %+v", s.Queue)
	})
	f.waitHeartbeats(3, ids...)
	evs := f.events()
	if g := evs.ofType("grounded"); len(g) > 0 {
		t.Errorf("drones grounded for a systemic failure:\n%s", g)
	}
	if c := evs.after(paused.Seq).ofType("claimed"); len(c) > 0 {
		t.Errorf("packages dispatched while paused:\n%s", c)
	}
	if s := f.status(); s.Drones.Grounded != 0 || s.Paused == nil {
		t.Errorf("status drones %+v, paused %v; want none grounded, still paused", s.Drones, s.Paused)
	}
	for id, d := range f.droneRows() {
		if d.Status == "grounded" || !d.Online {
			t.Errorf("drone %s: %+v, want online and not grounded", id, d)
		}
	}
}
