package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/projections"
)

func (f *testFarm) noStart(g Grant, cause string) Outcome {
	f.t.Helper()
	return exec(f.t, f.s, Fail(f.r, time.Now(), g.Drone, g.Atom, g.Fence, Failure{Signature: SigStartFailed,
		Reason: "start build " + g.Atom + ": boom", Start: cause}))
}

// TestStartFailure: a build that cannot even start is no failure: no
// attempt, no strike, never systemic. A name too long, or a package that
// could not start on two drones, is held blocked with the reason until it is
// queued again; a drone that cannot start two packages in a row is grounded
// alone. Drones that predate the Start field (signature "start-failed"
// alone) are judged the same way.
func TestStartFailure(t *testing.T) {
	cases := []struct {
		name  string
		steps []string // "drone:cause" for each start failure, in order; cause "" is an old drone
		want  string   // the last step's event types
		held  bool     // the first package ends held
		gnd   string   // the drone grounded, if any
	}{
		{"name too long: held at once", []string{"a:name-too-long"}, "start_failed", true, ""},
		{"missing program on one drone: back to the queue", []string{"a:not-found"}, "start_failed", false, ""},
		{"could not start on two drones: held", []string{"a:not-found", "b:permission-denied"}, "start_failed", true, ""},
		{"an old drone's report: held after two drones", []string{"a:", "b:"}, "start_failed", true, ""},
		{"one drone cannot start two packages: grounded alone", []string{"a:not-found", "a:not-found"}, "start_failed,grounded", false, "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newTestFarm(t, "a", "b", "c")
			f.r.GroundAfter = 1 // the breaker would ground at once if a start failure counted
			atoms := f.enqueue(4)
			var out Outcome
			for _, s := range c.steps {
				drone, cause, _ := strings.Cut(s, ":")
				out = f.noStart(f.claim(drone), cause)
			}
			if got := types(out.Events); got != c.want {
				t.Fatalf("last start failure: %s, want %s (%+v)", got, c.want, out.Events)
			}
			st := out.State
			p, _ := st.Package(atoms[0])
			if p.Attempts != 0 || st.Paused != nil || len(st.RecentFailures()) != 0 {
				t.Fatalf("counted as a failure: package %+v, paused %v", p, st.Paused)
			}
			for d := range st.Drones() {
				if len(d.Streak) != 0 || d.Grounded != (d.ID == c.gnd) {
					t.Fatalf("drone %s: streak %v, grounded %v (%s); want grounded only %q", d.ID, d.Streak, d.Grounded, d.GroundReason, c.gnd)
				}
				if d.Grounded && !strings.Contains(d.GroundReason, "cannot start builds") {
					t.Fatalf("grounding reason %q", d.GroundReason)
				}
			}
			if !c.held {
				if p.State != projections.Needed || p.Held != "" {
					t.Fatalf("package %+v, want needed", p)
				}
				return
			}
			if p.State != projections.Blocked || !strings.Contains(p.Held, "could not start") ||
				!strings.Contains(p.Held, "swarm enqueue "+atoms[0]) {
				t.Fatalf("package %+v, want blocked, held with a reason that says how to release it", p)
			}
			ans, _ := Why(f.r, st, atoms[0], time.Now())
			if !whySays(ans, "held: its build could not start", "") {
				t.Fatalf("why %+v does not give the hold", ans)
			}
			if s := st.Status(); len(s.Held) != 1 || s.Held[0].Atom != atoms[0] {
				t.Fatalf("status held = %+v", s.Held)
			}
			// Another package still builds; enqueueing the held one releases it.
			g := f.claim("c")
			exec(t, f.s, Complete(g.Drone, g.Atom, g.Fence, Binpkg{}))
			exec(t, f.s, Enqueue(ActorOperator, []string{atoms[0]}))
			if p, _ := f.state().Package(atoms[0]); p.State != projections.Needed || p.Held != "" {
				t.Fatalf("after enqueue: %+v, want needed", p)
			}
		})
	}
}

// TestStartFailuresNeverPause: every drone failing to start everything
// grounds each drone on its own, never pauses the farm.
func TestStartFailuresNeverPause(t *testing.T) {
	f := newTestFarm(t, "a", "b", "c")
	f.enqueue(10)
	for range 2 {
		for _, d := range []string{"a", "b", "c"} {
			out := f.noStart(f.claim(d), StartNotFound)
			if out.State.Paused != nil {
				t.Fatalf("paused: %+v", out.State.Paused)
			}
		}
	}
	if s := f.state().Status(); s.Drones.Grounded != 3 || s.Queue.Failed != 0 {
		t.Fatalf("status %+v %+v; want each drone grounded, nothing failed", s.Drones, s.Queue)
	}
}
