package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// safetyStatus is the part of `swarm status --json` that names packages
// needing the operator's eye.
type safetyStatus struct {
	Stalling []packageNote `json:"stalling"`
	Held     []packageNote `json:"held"`
}

type packageNote struct {
	Atom   string `json:"atom"`
	State  string `json:"state"`
	Stalls int    `json:"stalls"`
	Reason string `json:"reason"`
}

// TestStalledBuildIsFailedAndBuiltElsewhere: a build that prints nothing
// and sleeps is failed as stalled after build.stall_after (before, it was
// reclaimed and claimed straight back by the same drone forever). Each
// stall is an attempt and a failure on the drone: after farm.ground_after
// (2) the breaker grounds it; why and status name the package that keeps
// stalling; a drone whose build succeeds then builds it.
func TestStalledBuildIsFailedAndBuiltElsewhere(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"build.stall_after", `"3s"`}, setting{"farm.ground_after", "2"})
	f.addDrone("quiet")
	f.addDrone("good")
	f.serve()
	atom := realAtoms(t, 1300, 1)[0]
	f.enqueue(atom)
	f.startDrone("quiet", droneOpts{env: []string{"FAKE_EMERGE_HANG=*"}})

	grounded := f.waitEvent(60*time.Second, "quiet to be grounded for stalling", func(e event) bool {
		return e.Type == "grounded" && e.Drone == "quiet"
	})
	if !strings.Contains(grounded.Reason, "stalled") {
		t.Errorf("grounding %s does not name the stall", grounded)
	}
	evs := f.events()
	stalls := evs.ofType("failed").about(atom).where(func(e event) bool { return e.Signature == "stalled" })
	if len(stalls) != 2 || stalls[0].Drone != "quiet" || stalls[0].Actor != "orchestrator" {
		t.Errorf("stalled failures before the grounding: %s; want 2 on quiet, by the orchestrator", stalls)
	}
	if r := evs.ofType("reclaimed").about(atom); len(r) > 0 {
		t.Errorf("a stall was merely reclaimed: %s", r)
	}
	if r, _ := rowOf(f.queue(), atom); r.State != "needed" || r.Attempts != 2 || r.LastFailure != "stalled" {
		t.Errorf("queue row %+v; want needed after 2 attempts, last failure stalled", r)
	}
	var s safetyStatus
	f.swarmJSON(&s, "status")
	if len(s.Stalling) != 1 || s.Stalling[0].Atom != atom || s.Stalling[0].Stalls != 2 {
		t.Errorf("status stalling = %+v; want %s with 2 stalls", s.Stalling, atom)
	}
	if out := f.swarm("status"); !strings.Contains(out, "Stalls:") || !strings.Contains(out, atom) {
		t.Errorf("swarm status does not name the stalling package:\n%s", out)
	}
	if w := f.why(atom); !slices.ContainsFunc(w.Reasons, func(r whyReason) bool { return strings.Contains(r.Reason, "keeps stalling") }) {
		t.Errorf("swarm why does not say it keeps stalling: %s", w)
	}

	f.startDrone("good", droneOpts{})
	f.waitFor(60*time.Second, atom+" built by good", func() (bool, string) {
		r, _ := rowOf(f.queue(), atom)
		return r.State == "built" && r.BuiltBy == "good", fmt.Sprintf("%+v", r)
	})
}

// TestResumeAfterSystemicPauseDrains: every build on three drones fails with
// the same slot conflict and the farm pauses. The operator replaces them
// with two healthy drones and resumes: a fresh window. One package of their
// own that conflicts on both fails on its own; the old evidence (and the
// drones gone since) do not pause the farm again, and the queue drains.
func TestResumeAfterSystemicPauseDrains(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	bad, good := []string{"d1", "d2", "d3"}, []string{"n1", "n2"}
	for _, id := range append(slices.Clone(bad), good...) {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 1400, 12)
	conflict := atoms[len(atoms)-1]
	f.enqueue(atoms...)
	for _, id := range bad {
		f.startDrone(id, droneOpts{env: append(failWith("*", "slot-conflict.txt"), "FAKE_EMERGE_SECONDS=0.2")})
	}
	paused := f.waitEvent(30*time.Second, "the farm to pause", func(e event) bool { return e.Type == "queue_paused" })
	for _, id := range bad {
		f.killDrone(id)
	}
	for _, id := range good {
		f.startDrone(id, droneOpts{env: append(failWith(conflict, "slot-conflict.txt"), "FAKE_EMERGE_SECONDS=0.2")})
	}
	f.swarm("resume")
	f.waitFor(90*time.Second, conflict+" failed on both new drones", func() (bool, string) {
		r, _ := rowOf(f.queue(), conflict)
		return r.State == "failed", fmt.Sprintf("%+v", r)
	})
	s := f.waitSettled(90 * time.Second)
	if s.Paused != nil {
		t.Errorf("paused again after the resume: %+v", *s.Paused)
	}
	if s.Queue.Built != len(atoms)-1 || s.Queue.Failed != 1 {
		t.Errorf("status queue %+v; want %d built and %s failed", s.Queue, len(atoms)-1, conflict)
	}
	if again := f.events().after(paused.Seq).ofType("queue_paused"); len(again) > 0 {
		t.Errorf("the farm paused again on the old evidence:\n%s", again)
	}
}

// TestBuildThatCannotStartIsHeld: one package's build cannot even start on
// any drone (its program is missing). It is reported once per drone and
// held blocked with the reason; it counts toward no breaker and no systemic
// pause: no drone is grounded, the farm is not paused, and every other
// package is built.
func TestBuildThatCannotStartIsHeld(t *testing.T) {
	t.Parallel()
	// The build program is chosen by the atom: a link to fake-emerge for
	// every package but one.
	bin := t.TempDir()
	atoms := realAtoms(t, 1500, 8)
	missing := atoms[2]
	for _, a := range atoms {
		if a == missing {
			continue
		}
		path := filepath.Join(bin, a)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(testdata("fake-emerge"), path); err != nil {
			t.Fatal(err)
		}
	}
	f := newFarm(t, setting{"build.command", fmt.Sprintf(`[%q, "={atom}"]`, filepath.Join(bin, "{atom}"))},
		setting{"farm.ground_after", "1"}) // one counted failure would ground a drone
	ids := []string{"d1", "d2", "d3"}
	for _, id := range ids {
		f.addDrone(id)
	}
	f.serve()
	f.enqueue(atoms...)
	for _, id := range ids {
		f.startDrone(id, droneOpts{env: []string{"FAKE_EMERGE_SECONDS=0.2"}})
	}
	f.waitFor(60*time.Second, missing+" held blocked", func() (bool, string) {
		r, _ := rowOf(f.queue(), missing)
		return r.State == "blocked", fmt.Sprintf("%+v", r)
	})
	s := f.waitSettled(60 * time.Second)
	if s.Paused != nil || s.Drones.Grounded != 0 {
		t.Errorf("paused %v, %d grounded; want neither", s.Paused, s.Drones.Grounded)
	}
	if s.Queue.Built != len(atoms)-1 || s.Queue.Blocked != 1 || s.Queue.Failed != 0 {
		t.Errorf("status queue %+v; want %d built and %s blocked", s.Queue, len(atoms)-1, missing)
	}
	evs := f.events()
	if g := evs.ofType("grounded"); len(g) > 0 {
		t.Errorf("drones grounded for a build that never started:\n%s", g)
	}
	if fails := evs.ofType("failed").about(missing); len(fails) > 0 {
		t.Errorf("a build that never started counted as a failure:\n%s", fails)
	}
	if n := len(evs.ofType("start_failed").about(missing)); n < 1 || n > 2 {
		t.Errorf("%s reported %d times, want once per drone it was given to (at most 2)", missing, n)
	}
	w := f.why(missing)
	if r, ok := w.reason("held: its build could not start"); !ok || !strings.Contains(r.Reason, "swarm enqueue "+missing) {
		t.Errorf("why %s; want the hold, saying how to release it", w)
	}
	var held safetyStatus
	f.swarmJSON(&held, "status")
	if len(held.Held) != 1 || held.Held[0].Atom != missing {
		t.Errorf("status held = %+v; want %s", held.Held, missing)
	}
	if out := f.swarm("status"); !strings.Contains(out, "Held:") || !strings.Contains(out, missing) {
		t.Errorf("swarm status does not name the held package:\n%s", out)
	}
}

// TestQuietBuildIsNotStalled: emerge --quiet-build prints nothing for
// longer than build.stall_after, but it writes portage's build.log or burns
// CPU: that is progress, and the build completes on its first attempt.
func TestQuietBuildIsNotStalled(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"build.stall_after", `"3s"`})
	f.addDrone("d1")
	f.addDrone("d2")
	f.serve()
	atoms := realAtoms(t, 1600, 2)
	tmp := t.TempDir()
	f.enqueue(atoms...)
	// Each quiet phase lasts three times build.stall_after.
	f.startDrone("d1", droneOpts{env: []string{"FAKE_EMERGE_QUIET=*", "FAKE_EMERGE_QUIET_SECONDS=9",
		"FAKE_EMERGE_QUIET_MODE=log", "PORTAGE_TMPDIR=" + tmp}})
	f.startDrone("d2", droneOpts{env: []string{"FAKE_EMERGE_QUIET=*", "FAKE_EMERGE_QUIET_SECONDS=9",
		"FAKE_EMERGE_QUIET_MODE=cpu"}})
	s := f.waitSettled(90 * time.Second)
	if s.Queue.Built != len(atoms) {
		t.Errorf("status queue %+v; want both built", s.Queue)
	}
	evs := f.events()
	if stalled := evs.where(func(e event) bool { return strings.Contains(e.Reason, "stalled") }); len(stalled) > 0 {
		t.Errorf("quiet builds judged stalled:\n%s", stalled)
	}
	for _, a := range atoms {
		if r, _ := rowOf(f.queue(), a); r.Attempts != 0 {
			t.Errorf("%+v: want built on its first attempt", r)
		}
	}
	if c := evs.ofType("completed"); len(c) != 2 || c[0].Drone == c[1].Drone {
		t.Errorf("completions %s; want one quiet build of each kind (build.log, CPU)", c)
	}
}
