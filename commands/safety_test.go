package commands

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// stallRules judge stalls alone: no offline detection, a long lease.
func stallRules() Rules {
	r := DefaultRules()
	r.Heartbeat, r.Lease, r.StallAfter = 0, time.Hour, 10*time.Second
	return r
}

// stall claims the next package for drone and has the sweep find it
// stalled; it returns the sweep's events.
func (f *testFarm) stall(drone string) (Grant, []events.Event) {
	f.t.Helper()
	g := f.claim(drone)
	out := exec(f.t, f.s, Maintain(f.r, time.Now().Add(f.r.StallAfter+time.Second), time.Time{}, nil))
	return g, out.Events
}

// TestStallIsAFailure: a build that makes no progress is the build's
// fault: it counts as an attempt and a failure on its drone, so the
// two-drone rule fails a package that stalls everywhere, the breaker
// grounds a drone on which everything stalls, and the drone does not get
// the package straight back. A lapsed lease on a live drone is not the
// build's fault (the claim's answer may never have reached it).
func TestStallIsAFailure(t *testing.T) {
	cases := []struct {
		name   string
		drones []string
		stalls []string // the drones that claim and stall, in order
		want   string   // the last sweep's event types
		check  func(t *testing.T, f *testFarm, st *projections.State, g Grant)
	}{
		{"one stall: an attempt on the drone, given to another", []string{"a", "b"}, []string{"a"}, "failed",
			func(t *testing.T, f *testFarm, st *projections.State, g Grant) {
				p, _ := st.Package(g.Atom)
				d, _ := st.Drone("a")
				if p.State != projections.Needed || p.Attempts != 1 || p.Stalls != 1 || len(d.Streak) != 1 {
					t.Fatalf("package %+v, streak %v; want needed, 1 attempt, 1 stall, a strike on a", p, d.Streak)
				}
				ans, err := Why(f.r, st, g.Atom, time.Now())
				if err != nil || !whySays(ans, "keeps stalling", "") || !whySays(ans, "avoided", "a") {
					t.Fatalf("why %s = %+v (%v); want it to name the stalls and avoid a", g.Atom, ans, err)
				}
				// a does not get it straight back; b does.
				if again := f.claim("a"); again.Atom == g.Atom {
					t.Fatalf("a got the package that stalled on it straight back")
				}
				if next := f.claim("b"); next.Atom != g.Atom || next.Attempt != 2 {
					t.Fatalf("b claimed %s attempt %d, want %s attempt 2", next.Atom, next.Attempt, g.Atom)
				}
			}},
		{"stalls on two drones: the package is failed", []string{"a", "b"}, []string{"a", "b"}, "failed",
			func(t *testing.T, f *testFarm, st *projections.State, g Grant) {
				p, _ := st.Package(g.Atom)
				if p.State != projections.Failed || p.Stalls != 2 {
					t.Fatalf("package %+v; want failed after stalling on a and b", p)
				}
				s := st.Status()
				if len(s.Stalling) != 1 || s.Stalling[0].Atom != g.Atom || s.Stalling[0].Stalls != 2 {
					t.Fatalf("status stalling = %+v; want %s with 2 stalls", s.Stalling, g.Atom)
				}
				ans, _ := Why(f.r, st, g.Atom, time.Now())
				if !whySays(ans, "stalled 2 times", "") {
					t.Fatalf("why %+v does not name the stalls", ans)
				}
			}},
		{"everything stalls on one drone: the breaker grounds it", []string{"a"}, []string{"a", "a"}, "failed,grounded",
			func(t *testing.T, f *testFarm, st *projections.State, g Grant) {
				if d, _ := st.Drone("a"); !d.Grounded || !strings.Contains(d.GroundReason, "stalled") {
					t.Fatalf("drone a %+v; want grounded by the breaker naming the stall", d)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newTestFarm(t, c.drones...)
			f.r = stallRules()
			f.r.GroundAfter = 2
			f.enqueue(3)
			var g Grant
			var evs []events.Event
			for i, d := range c.stalls {
				var gi Grant
				gi, evs = f.stall(d)
				if i == 0 {
					g = gi
				} else if gi.Atom != g.Atom && len(c.drones) > 1 {
					t.Fatalf("%s claimed %s, want the stalled %s", d, gi.Atom, g.Atom)
				}
				if evs[0].Type != events.TypeFailed || evs[0].Signature != projections.SignatureStalled ||
					evs[0].Actor != ActorOrchestrator || evs[0].Drone != d {
					t.Fatalf("sweep %d: %+v; want a stalled failure on %s by the orchestrator", i, evs, d)
				}
			}
			if got := types(evs); got != c.want {
				t.Fatalf("last sweep: %s, want %s", got, c.want)
			}
			c.check(t, f, f.state(), g)
		})
	}
}

// TestLeaseLapseIsNotAFailure: a lease that runs out on a drone that still
// heartbeats is reclaimed, no attempt and no strike.
func TestLeaseLapseIsNotAFailure(t *testing.T) {
	f := newTestFarm(t, "a", "b")
	f.r.Heartbeat, f.r.Lease, f.r.StallAfter = 0, time.Second, time.Hour
	f.enqueue(1)
	g := f.claim("a")
	out := exec(t, f.s, Maintain(f.r, time.Now().Add(5*time.Second), time.Time{}, nil))
	if types(out.Events) != "reclaimed" || out.Events[0].Reason != "lease expired" {
		t.Fatalf("lapsed lease: %+v", out.Events)
	}
	st := f.state()
	p, _ := st.Package(g.Atom)
	d, _ := st.Drone("a")
	if p.Attempts != 0 || len(d.Streak) != 0 {
		t.Fatalf("a lapsed lease counted: package %+v, streak %v", p, d.Streak)
	}
}

// whySays reports whether a reason containing text is given (for drone,
// when drone is not "").
func whySays(ans WhyAnswer, text, drone string) bool {
	return slices.ContainsFunc(ans.Reasons, func(w WhyReason) bool {
		return strings.Contains(w.Reason, text) && (drone == "" || slices.Contains(w.Drones, drone))
	})
}

// TestStallsInOneSweep: stalls found by the same sweep are judged one after
// another, each against the state the earlier ones leave. Judged all
// against the state before the sweep, two stalls on a two-slot drone were
// each its first strike, and four drones stalling at once were four lone
// failures: neither the breaker nor the systemic rule could fire.
func TestStallsInOneSweep(t *testing.T) {
	t.Run("the breaker counts both stalls of one drone", func(t *testing.T) {
		f := newTestFarm(t)
		exec(t, f.s, Register(DroneInfo{ID: "a", Cores: 8, Slots: 2}, nil, nil))
		f.r = stallRules()
		f.r.GroundAfter = 2
		f.enqueue(2)
		f.claim("a")
		f.claim("a")
		out := exec(t, f.s, Maintain(f.r, time.Now().Add(f.r.StallAfter+time.Second), time.Time{}, nil))
		if got := types(out.Events); got != "failed,failed,grounded" {
			t.Fatalf("sweep: %s, want failed,failed,grounded", got)
		}
	})
	t.Run("four drones stalling at once pause the farm once", func(t *testing.T) {
		f := newTestFarm(t, "a", "b", "c", "d")
		f.r = stallRules()
		f.r.GroundAfter = 0
		f.enqueue(4)
		for _, d := range []string{"a", "b", "c", "d"} {
			f.claim(d)
		}
		out := exec(t, f.s, Maintain(f.r, time.Now().Add(f.r.StallAfter+time.Second), time.Time{}, nil))
		paused := 0
		for _, e := range out.Events {
			if e.Type == events.TypeQueuePaused {
				paused++
			}
		}
		if paused != 1 || f.state().Paused == nil {
			t.Fatalf("sweep: %s; want the farm paused by exactly one queue_paused", types(out.Events))
		}
	})
}

// TestStallIsNoSignOfLife: the orchestrator's stall failure names the
// drone, but a drone that has gone quiet must still go offline on time.
func TestStallIsNoSignOfLife(t *testing.T) {
	f := newTestFarm(t, "a", "b")
	f.r = stallRules()
	f.enqueue(1)
	f.claim("a")
	before, _ := f.state().Drone("a")
	time.Sleep(5 * time.Millisecond) // event times are kept to the millisecond: let the sweep's differ
	exec(t, f.s, Maintain(f.r, time.Now().Add(f.r.StallAfter+time.Second), time.Time{}, nil))
	after, _ := f.state().Drone("a")
	if p := f.state().Status().Stalling; len(p) != 1 {
		t.Fatalf("no stall recorded: %+v", p)
	}
	if !after.LastSeen.Equal(before.LastSeen) {
		t.Fatalf("a stall moved a's last sign of life from %v to %v", before.LastSeen, after.LastSeen)
	}
}
