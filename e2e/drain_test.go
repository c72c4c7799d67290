package e2e

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestDrain200 drains 200 real packages across three drones: every package
// is built exactly once (by fake-emerge's own record and by the event log),
// each drone takes part, and nothing is left building. A clean run has no
// failures, returns or reclaims at all.
func TestDrain200(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	ids := []string{"d1", "d2", "d3"}
	for _, id := range ids {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 0, 200)
	f.enqueue(atoms...)
	for _, id := range ids {
		f.startDrone(id, droneOpts{slots: 2, env: []string{"FAKE_EMERGE_SECONDS=0.05"}})
	}
	f.waitFor(90*time.Second, "200 packages built", func() (bool, string) {
		s := f.status()
		return s.Queue.Built == len(atoms), fmt.Sprintf("queue %+v", s.Queue)
	})

	s := f.status()
	if s.Queue.Needed != 0 || s.Queue.Building != 0 || s.Queue.Failed != 0 {
		t.Errorf("status queue %+v, want all %d built", s.Queue, len(atoms))
	}
	for _, r := range f.queue() {
		if r.State != "built" || r.Drone != "" {
			t.Errorf("queue row %+v, want built and on no drone", r)
		}
	}

	rec := readRecord(t, f.record)
	starts, ok := rec.starts(), rec.successes()
	for _, a := range atoms {
		if starts[a] != 1 || ok[a] != 1 {
			t.Errorf("%s: %d builds started, %d succeeded; want exactly 1", a, starts[a], ok[a])
		}
	}
	if len(rec.runs) != len(atoms) {
		t.Errorf("%d builds recorded, want %d", len(rec.runs), len(atoms))
	}

	evs := f.events()
	done := evs.ofType("completed")
	perAtom := done.perAtom()
	for _, a := range atoms {
		if perAtom[a] != 1 {
			t.Errorf("%s: %d completed events, want 1", a, perAtom[a])
		}
	}
	builtBy := map[string]int{}
	for _, e := range done {
		builtBy[e.Drone]++
		if runs := rec.of(e.Atom); len(runs) == 1 && runs[0].drone != e.Drone {
			t.Errorf("%s: completed by %s in the log but built by %s", e.Atom, e.Drone, runs[0].drone)
		}
	}
	for _, id := range ids {
		if builtBy[id] == 0 {
			t.Errorf("drone %s built nothing (built: %v): an idle drone was left idle", id, builtBy)
		}
	}
	for _, typ := range []string{"failed", "returned", "reclaimed", "grounded"} {
		if bad := evs.ofType(typ); len(bad) > 0 {
			t.Errorf("a clean drain had %d %s events:\n%s", len(bad), typ, bad)
		}
	}
	t.Logf("built per drone: %v", builtBy)
}

// TestKillDroneMidBuild kills a drone with SIGKILL (and its builds with it,
// as a machine that dies takes its builds along) while it builds: the
// packages it held are reclaimed once their lease lapses and built by the
// others; nothing is lost and nothing is built twice. The dead drone's
// builds appear in the record as starts without an end; "built twice"
// means two completed events, or two successful builds, of one package.
func TestKillDroneMidBuild(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	ids := []string{"d1", "d2", "d3"}
	for _, id := range ids {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 300, 12)
	f.enqueue(atoms...)
	for _, id := range ids {
		f.startDrone(id, droneOpts{env: []string{"FAKE_EMERGE_SECONDS=2"}})
	}
	f.waitFor(startTimeout, "d2 to be building", func() (bool, string) {
		running := readRecord(t, f.record).running("d2")
		return len(running) > 0, fmt.Sprintf("d2 runs %v", running)
	})

	f.killDrone("d2")
	killed := time.Now()
	held := heldBy(f.events(), "d2")
	if len(held) == 0 {
		t.Fatal("d2 held no package when it was killed")
	}
	t.Logf("killed d2 holding %v", held)

	// Reclaimed within the lease (4s), with room for a loaded machine.
	for _, a := range held {
		e := f.waitEvent(20*time.Second, a+" reclaimed", func(e event) bool {
			return e.Type == "reclaimed" && e.Atom == a
		})
		t.Logf("%s reclaimed %v after the kill: %s", a, e.Time.Sub(killed).Round(time.Millisecond), e)
	}
	f.waitSettled(60 * time.Second)

	evs := f.events()
	perAtom := evs.ofType("completed").perAtom()
	ok := readRecord(t, f.record).successes()
	for _, a := range atoms {
		if perAtom[a] != 1 || ok[a] != 1 {
			t.Errorf("%s: %d completed events, %d successful builds; want 1 and 1", a, perAtom[a], ok[a])
		}
	}
	for _, a := range held {
		for _, e := range evs.ofType("completed").about(a) {
			if e.Drone == "d2" {
				t.Errorf("%s was completed by the dead drone: %s", a, e)
			}
		}
	}
	if s := f.status(); s.Queue.Built != len(atoms) {
		t.Errorf("status queue %+v, want all %d built", s.Queue, len(atoms))
	}
	f.waitFor(20*time.Second, "d2 to be shown offline", func() (bool, string) {
		d := f.droneRows()["d2"]
		return !d.Online && d.Status == "offline", fmt.Sprintf("d2: %+v", d)
	})
}

// heldBy returns the atoms whose latest claim is drone's and which it has
// not yet completed, failed or returned, and the orchestrator has not
// reclaimed.
func heldBy(evs eventList, drone string) []string {
	holder := map[string]string{}
	for _, e := range evs {
		switch e.Type {
		case "claimed":
			holder[e.Atom] = e.Drone
		case "completed", "failed", "returned", "reclaimed":
			delete(holder, e.Atom)
		}
	}
	var out []string
	for a, d := range holder {
		if d == drone {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// TestSIGTERMFinishesBuild sends SIGTERM to a drone mid-build: it claims
// nothing more, finishes the build, reports it completed, and exits 0.
func TestSIGTERMFinishesBuild(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	for _, id := range []string{"d1", "d2", "d3"} {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 500, 8)
	f.enqueue(atoms...)
	d1 := f.startDrone("d1", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=3"}})
	var run buildRun
	f.waitFor(startTimeout, "d1 to be building", func() (bool, string) {
		running := readRecord(t, f.record).running("d1")
		if len(running) > 0 {
			run = running[0]
		}
		return len(running) > 0, fmt.Sprintf("d1 runs %v", running)
	})
	before := f.status().Seq
	d1.signal(syscall.SIGTERM)
	code, exited := d1.wait(30 * time.Second)
	if !exited {
		t.Fatal("d1 did not exit within 30s of SIGTERM")
	}
	if code != 0 {
		t.Errorf("d1 exited %d after SIGTERM, want 0", code)
	}

	evs := f.events()
	if _, ok := evs.ofType("completed").about(run.atom).by("d1").first(); !ok {
		t.Errorf("the build d1 was running (%s) was not reported completed; its events:\n%s",
			run.atom, evs.about(run.atom))
	}
	if ended := readRecord(t, f.record).of(run.atom); len(ended) != 1 || !ended[0].ended || ended[0].status != "0" {
		t.Errorf("the build of %s: %+v, want one run that ended 0", run.atom, ended)
	}
	if late := evs.after(before).ofType("claimed").by("d1"); len(late) > 0 {
		t.Errorf("d1 claimed after SIGTERM:\n%s", late)
	}

	// The others build the rest.
	f.startDrone("d2", droneOpts{})
	f.startDrone("d3", droneOpts{})
	if s := f.waitSettled(60 * time.Second); s.Queue.Built != len(atoms) {
		t.Errorf("status queue %+v, want all %d built", s.Queue, len(atoms))
	}
}

// TestSecondSIGTERMReturnsWork: a second SIGTERM does not wait for the
// build; the drone returns its package, the build is stopped, and the
// package is built by another drone.
func TestSecondSIGTERMReturnsWork(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	for _, id := range []string{"d1", "d2"} {
		f.addDrone(id)
	}
	f.serve()
	atom := realAtoms(t, 600, 1)[0]
	f.enqueue(atom)
	d1 := f.startDrone("d1", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=600"}})
	var run buildRun
	f.waitFor(startTimeout, "d1 to be building", func() (bool, string) {
		running := readRecord(t, f.record).running("d1")
		if len(running) > 0 {
			run = running[0]
		}
		return len(running) > 0, fmt.Sprintf("d1 runs %v", running)
	})
	d1.signal(syscall.SIGTERM)
	f.waitDroneSaid("d1", "draining") // the first one seen on its own
	d1.signal(syscall.SIGTERM)
	if _, exited := d1.wait(15 * time.Second); !exited {
		t.Fatal("d1 did not exit within 15s of a second SIGTERM")
	}
	if err := syscall.Kill(run.pid, 0); err == nil {
		t.Errorf("d1's build (pid %d) still runs after d1 exited", run.pid)
	}
	f.waitEvent(10*time.Second, atom+" returned by d1", func(e event) bool {
		return e.Type == "returned" && e.Atom == atom && e.Drone == "d1"
	})
	f.startDrone("d2", droneOpts{})
	f.waitEvent(60*time.Second, atom+" completed by d2", func(e event) bool {
		return e.Type == "completed" && e.Atom == atom && e.Drone == "d2"
	})
}

// TestDrainingDroneBuildsNothingNew: a package that reaches a drone after
// its SIGTERM (its claim was already waiting at the orchestrator, a long
// poll) is neither built nor reported built by it: it goes back, and
// another drone builds it. The farm's cleanup also checks that no drone
// ever reports a build it did not run.
func TestDrainingDroneBuildsNothingNew(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	for _, id := range []string{"d1", "d2"} {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 650, 2)
	first, late := atoms[0], atoms[1]
	f.enqueue(first)
	d1 := f.startDrone("d1", droneOpts{slots: 2, env: []string{"FAKE_EMERGE_SECONDS=4"}})
	f.waitFor(startTimeout, "d1 to be building "+first, func() (bool, string) {
		running := readRecord(t, f.record).running("d1")
		return len(running) > 0, fmt.Sprintf("d1 runs %v", running)
	})
	f.waitAsked(1, "d1") // d1's free slot is now waiting for work
	d1.signal(syscall.SIGTERM)
	f.enqueue(late)
	if code, exited := d1.wait(30 * time.Second); !exited || code != 0 {
		t.Fatalf("d1 after SIGTERM: exited %v, code %d; want exit 0", exited, code)
	}
	evs := f.events()
	if _, ok := evs.ofType("completed").about(first).by("d1").first(); !ok {
		t.Errorf("%s, which d1 was building, was not reported completed:\n%s", first, evs.about(first))
	}
	if runs := readRecord(t, f.record).of(late); len(runs) > 0 {
		t.Errorf("d1 built %s after SIGTERM: %+v", late, runs)
	}
	if c := evs.ofType("completed").about(late); len(c) > 0 {
		t.Errorf("%s reported completed though nobody built it:\n%s", late, evs.about(late))
	}
	t.Logf("%s while d1 drained:\n%s", late, evs.about(late))
	f.startDrone("d2", droneOpts{})
	f.waitEvent(30*time.Second, late+" completed by d2", func(e event) bool {
		return e.Type == "completed" && e.Atom == late && e.Drone == "d2"
	})
}
