package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// testFarm drives the farm rules through a real store, with the decision
// clock in the test's hands (the log stamps events with the wall clock; the
// rules judge at the now they are given).
type testFarm struct {
	t *testing.T
	s *Store
	r Rules
}

func newTestFarm(t *testing.T, drones ...string) *testFarm {
	f := &testFarm{t: t, s: openStore(t, t.TempDir()), r: DefaultRules()}
	for _, d := range drones {
		exec(t, f.s, Register(DroneInfo{ID: d, Cores: 8, Slots: 1}, nil, nil))
	}
	return f
}

func (f *testFarm) enqueue(n int) []string {
	var atoms []string
	for i := range n {
		atoms = append(atoms, fmt.Sprintf("dev-libs/pkg%d-1.%d", i, i))
	}
	exec(f.t, f.s, Enqueue(ActorOperator, atoms))
	return atoms
}

func (f *testFarm) dispatch(drones ...string) []Grant {
	f.t.Helper()
	var g []Grant
	exec(f.t, f.s, Dispatch(f.r, time.Now(), drones, &g))
	return g
}

func (f *testFarm) claim(drone string) Grant {
	f.t.Helper()
	g := f.dispatch(drone)[0]
	if g.Atom == "" {
		f.t.Fatalf("%s got no work: %s", drone, g.Reason)
	}
	return g
}

func (f *testFarm) fail(g Grant, sig string) Outcome {
	f.t.Helper()
	return exec(f.t, f.s, Fail(f.r, time.Now(), g.Drone, g.Atom, g.Fence, Failure{Signature: sig, Reason: "emerge exited 1"}))
}

func (f *testFarm) state() *projections.State {
	st, err := f.s.Load(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

func types(evs []events.Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Type.String())
	}
	return strings.Join(s, ",")
}

func TestDispatchOrderSlotsAndFences(t *testing.T) {
	f := newTestFarm(t, "a", "b")
	exec(t, f.s, Register(DroneInfo{ID: "a", Cores: 8, Slots: 2}, nil, nil))
	atoms := f.enqueue(4)
	g := f.dispatch("a", "a", "a", "b")
	if g[0].Atom != atoms[0] || g[1].Atom != atoms[1] || g[3].Atom != atoms[2] {
		t.Fatalf("not in queue order: %+v", g)
	}
	if g[2].Atom != "" || g[2].Reason != "all 2 slots busy" {
		t.Fatalf("third request of a two-slot drone: %+v", g[2])
	}
	if g[0].Fence == g[1].Fence || g[1].Fence == g[3].Fence {
		t.Fatalf("fences not unique: %+v", g)
	}
	st := f.state()
	for _, gr := range []Grant{g[0], g[1], g[3]} {
		if p, _ := st.Package(gr.Atom); p.State != projections.Building || p.Fence != gr.Fence || p.Drone != gr.Drone {
			t.Fatalf("granted %+v, state %+v", gr, p)
		}
	}
	if g := f.dispatch("ghost")[0]; !errors.Is(g.Err, ErrUnknownDrone) {
		t.Fatalf("unregistered drone: %+v", g)
	}
}

func TestDispatchRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(f *testFarm)
		want  string
	}{
		{"paused", func(f *testFarm) { exec(t, f.s, Pause(ActorOperator, "tree update")) }, "paused: tree update"},
		{"grounded", func(f *testFarm) {
			exec(t, f.s, Ground(ActorOperator, "a", time.Now().Add(time.Hour), "by hand"))
		}, "grounded: by hand"},
		{"degraded", func(f *testFarm) {
			exec(t, f.s, Heartbeat(f.r, time.Now(), "a", Beat{Health: "degraded", MemoryPercent: 97}, nil, nil))
		}, "degraded: claims nothing until healthy"},
		{"offline", func(f *testFarm) {
			exec(t, f.s, Maintain(f.r, time.Now().Add(time.Hour), time.Time{}, nil))
		}, "offline: heartbeat first"},
		{"empty", func(f *testFarm) { f.dispatch("a", "a") }, "queue empty"}, // two slots? no: one, then busy
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTestFarm(t, "a")
			exec(t, f.s, Register(DroneInfo{ID: "a", Slots: 3}, nil, nil))
			if tc.name != "empty" {
				f.enqueue(1)
			}
			tc.setup(f)
			if g := f.dispatch("a")[0]; g.Atom != "" || g.Reason != tc.want {
				t.Fatalf("got %+v, want refusal %q", g, tc.want)
			}
		})
	}
}

// A package a drone returned (or failed) is routed to another drone while
// one is able; with none left, the drone may have it back.
func TestReturnedWorkGoesElsewhere(t *testing.T) {
	f := newTestFarm(t, "a", "b")
	atoms := f.enqueue(2)
	g := f.claim("a")
	exec(t, f.s, Return("a", g.Atom, g.Fence, "degraded"))
	if g2 := f.claim("a"); g2.Atom != atoms[1] {
		t.Fatalf("a got %s back while b could build it", g2.Atom)
	}
	if g3 := f.claim("b"); g3.Atom != atoms[0] {
		t.Fatalf("b got %s, want the returned %s", g3.Atom, atoms[0])
	}
	// b gives it back and a is the only one left.
	st := f.state()
	p, _ := st.Package(atoms[0])
	exec(t, f.s, Ground(ActorOperator, "b", time.Now().Add(time.Hour), "test"))
	exec(t, f.s, Return("a", atoms[1], mustFence(t, f, atoms[1]), "test"))
	_ = p
	if g := f.dispatch("a")[0]; g.Atom == "" {
		t.Fatalf("the last able drone was refused returned work: %s", g.Reason)
	}
}

func mustFence(t *testing.T, f *testFarm, atom string) uint64 {
	p, _ := f.state().Package(atom)
	if p.State != projections.Building {
		t.Fatalf("%s is %s", atom, p.State)
	}
	return p.Fence
}

// The breaker grounds a drone after GroundAfter failures in a row, sends its
// other claims back, and the cooldown lifts it.
func TestCircuitBreaker(t *testing.T) {
	f := newTestFarm(t, "bad", "good1", "good2")
	exec(t, f.s, Register(DroneInfo{ID: "bad", Slots: 2}, nil, nil))
	f.enqueue(10)
	f.r.GroundAfter, f.r.GroundFor = 3, time.Minute
	f.r.SystemicFraction = 0 // each failure has its own signature anyway
	var last Outcome
	for i := range 3 {
		g := f.claim("bad")
		if i == 2 {
			f.claim("bad") // a second build in hand when the breaker trips
		}
		last = f.fail(g, fmt.Sprintf("compile-%d", i))
	}
	if got := types(last.Events); got != "failed,grounded,reclaimed" {
		t.Fatalf("third failure appended %s", got)
	}
	d, _ := last.State.Drone("bad")
	if !d.GroundedAt(time.Now()) || len(d.Tasks) != 0 || !strings.Contains(d.GroundReason, "3 builds failed in a row") {
		t.Fatalf("drone after the breaker: %+v", d)
	}
	if g := f.dispatch("bad")[0]; !strings.HasPrefix(g.Reason, "grounded") {
		t.Fatalf("grounded drone got %+v", g)
	}
	out := exec(t, f.s, Maintain(f.r, time.Now().Add(2*time.Minute), time.Now().Add(2*time.Minute), nil))
	if !strings.Contains(types(out.Events), "ungrounded") {
		t.Fatalf("cooldown over, sweep appended %s", types(out.Events))
	}
}

// A package failing on FailAfterDrones drones is failed, and those failures
// do not count against the drones.
func TestPackageFailureDoesNotCountAgainstDrones(t *testing.T) {
	f := newTestFarm(t, "a", "b", "c")
	f.r.SystemicFraction = 0
	atoms := f.enqueue(1)
	f.fail(f.claim("a"), "compile-phase")
	out := f.fail(f.claim("b"), "compile-phase")
	if !out.Events[0].Final || types(out.Events) != "failed" {
		t.Fatalf("second drone's failure: %+v", out.Events)
	}
	st := f.state()
	if p, _ := st.Package(atoms[0]); p.State != projections.Failed {
		t.Fatalf("package is %s", p.State)
	}
	for _, id := range []string{"a", "b"} {
		if d, _ := st.Drone(id); d.ConsecutiveFailures() != 0 {
			t.Fatalf("%s still counts %d failures", id, d.ConsecutiveFailures())
		}
	}
}

// The stale-queue incident: every build fails with one signature on every
// drone. The farm pauses once, naming it, and nobody is grounded.
func TestSystemicFailurePausesAndGroundsNobody(t *testing.T) {
	f := newTestFarm(t, "a", "b", "c")
	f.r.GroundAfter = 2
	f.enqueue(30)
	var paused Outcome
	for i := range 9 {
		out := f.fail(f.claim([]string{"a", "b", "c"}[i%3]), "slot-conflict")
		if strings.Contains(types(out.Events), "queue_paused") {
			paused = out
		}
		if strings.Contains(types(out.Events), "grounded") {
			t.Fatalf("failure %d grounded a drone: %+v", i, out.Events)
		}
		if out.State.Paused != nil {
			break
		}
	}
	if paused.State == nil {
		t.Fatal("never paused")
	}
	p := paused.State.Paused
	if p.Signature != "slot-conflict" || !strings.Contains(p.Reason, `"slot-conflict"`) {
		t.Fatalf("pause: %+v", p)
	}
	for _, id := range []string{"a", "b", "c"} {
		d, _ := paused.State.Drone(id)
		if d.ConsecutiveFailures() != 0 || d.Grounded {
			t.Fatalf("%s after the systemic pause: %+v", id, d)
		}
	}
	if paused.State.Count(projections.Failed) != 0 {
		t.Fatal("a systemic failure marked packages failed")
	}
}

// Failures of one signature interleaved with successes are the packages'
// own, not systemic.
func TestSuccessesBetweenFailuresAreNotSystemic(t *testing.T) {
	f := newTestFarm(t, "a", "b")
	f.enqueue(20)
	for i := range 6 {
		g := f.claim([]string{"a", "b"}[i%2])
		if i%2 == 0 {
			f.fail(g, "compile-phase")
		} else {
			exec(t, f.s, Complete(g.Drone, g.Atom, g.Fence, Binpkg{}))
		}
		// each drone completes after its failure
		g2 := f.claim(g.Drone)
		exec(t, f.s, Complete(g2.Drone, g2.Atom, g2.Fence, Binpkg{}))
	}
	if st := f.state(); st.Paused != nil {
		t.Fatalf("paused: %+v", st.Paused)
	}
}

func TestMaintainOfflineLeaseStall(t *testing.T) {
	f := newTestFarm(t, "a", "b")
	// Offline after 250ms of silence. Event times are the log's wall clock,
	// so a falls silent for real: 200ms pass before b's heartbeat, and the
	// sweeps judge at instants relative to that heartbeat's own time.
	f.r.Heartbeat, f.r.Lease, f.r.StallAfter = 100*time.Millisecond, 4*time.Second, 10*time.Second
	f.enqueue(3)
	ga, gb := f.claim("a"), f.claim("b")
	time.Sleep(200 * time.Millisecond)
	beat := exec(t, f.s, Heartbeat(f.r, time.Now(), "b", Beat{Tasks: []TaskReport{{gb.Atom, gb.Fence, 100}}}, nil, nil))
	now := beat.Events[0].Time
	if out := exec(t, f.s, Maintain(f.r, now.Add(-100*time.Millisecond), time.Time{}, nil)); len(out.Events) != 0 {
		t.Fatalf("early sweep appended %s", types(out.Events))
	}
	out := exec(t, f.s, Maintain(f.r, now.Add(100*time.Millisecond), time.Time{}, nil))
	if types(out.Events) != "drone_offline,reclaimed" || out.Events[1].Atom != ga.Atom {
		t.Fatalf("a silent for 3 heartbeats: %+v", out.Events)
	}
	// A restarted orchestrator counts silence from its start.
	out = exec(t, f.s, Maintain(f.r, now.Add(time.Second), now.Add(time.Second), nil))
	if len(out.Events) != 0 {
		t.Fatalf("sweep right after a restart appended %s", types(out.Events))
	}
	// A heartbeat from a's old process is told to drop the build.
	var ans BeatAnswer
	out = exec(t, f.s, Heartbeat(f.r, now, "a", Beat{Tasks: []TaskReport{{ga.Atom, ga.Fence, 5}}}, nil, &ans))
	if types(out.Events) != "drone_online,drone_health" || len(ans.Drop) != 1 || ans.Drop[0].Atom != ga.Atom {
		t.Fatalf("heartbeat of a reclaimed build: %s, %+v", types(out.Events), ans)
	}
	if _, err := f.s.Execute(context.Background(), Complete("a", ga.Atom, ga.Fence, Binpkg{})); !errors.Is(err, ErrNotBuilding) && !errors.Is(err, ErrStaleFence) {
		t.Fatalf("stale completion: %v", err)
	}
	// b's build made no progress for StallAfter: failed as stalled (the
	// build's fault, so an attempt on b), not merely reclaimed.
	// (Judged 20s on, with offline detection off and a long lease, so only
	// the stall rule applies.)
	r := f.r
	r.Heartbeat, r.Lease = 0, time.Hour
	later := time.Now().Add(20 * time.Second)
	exec(t, f.s, Heartbeat(r, later, "b", Beat{Tasks: []TaskReport{{gb.Atom, gb.Fence, 100}}}, nil, nil))
	out = exec(t, f.s, Maintain(r, later, time.Time{}, nil))
	if types(out.Events) != "failed" || !strings.HasPrefix(out.Events[0].Reason, "stalled") ||
		out.Events[0].Signature != projections.SignatureStalled || out.Events[0].Final {
		t.Fatalf("stalled build: %+v", out.Events)
	}
}

// TestDispatchConcurrent: 200 claimers on one queue through Dispatch, on two
// stores over one folder. No package is claimed twice, and over the whole
// log no two live claims on one atom overlap.
func TestDispatchConcurrent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openStore(t, dir), openStore(t, dir)
	f := &testFarm{t: t, s: a, r: DefaultRules()}
	f.enqueue(150)
	for c := range 200 {
		exec(t, a, Register(DroneInfo{ID: fmt.Sprintf("d%d", c), Slots: 2}, nil, nil))
	}
	var wg sync.WaitGroup
	for c := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := []*Store{a, b}[c%2]
			id := fmt.Sprintf("d%d", c)
			for range 3 {
				var g []Grant
				if _, err := s.Execute(ctx, Dispatch(DefaultRules(), time.Now(), []string{id}, &g)); err != nil {
					t.Error(err)
					return
				}
				if g[0].Atom != "" && c%3 == 0 { // some hand their package back
					if _, err := s.Execute(ctx, Return(id, g[0].Atom, g[0].Fence, "test")); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	live := map[string]uint64{} // atom → fence of its live claim
	claims := 0
	for e, err := range a.Log().Events(ctx, 1) {
		if err != nil {
			t.Fatal(err)
		}
		switch e.Type {
		case events.TypeClaimed:
			if f, ok := live[e.Atom]; ok {
				t.Fatalf("seq %d: %s claimed by %s while fence %d is live", e.Seq, e.Atom, e.Drone, f)
			}
			live[e.Atom] = e.Fence
			claims++
		case events.TypeReturned, events.TypeReclaimed, events.TypeCompleted, events.TypeFailed:
			if live[e.Atom] == e.Fence {
				delete(live, e.Atom)
			}
		}
	}
	if claims < 150 {
		t.Fatalf("only %d claims for 150 packages and 400 slots", claims)
	}
}

// Grounding the last able drone says so, and status says what is stuck.
func TestLastDroneIsNotGroundedSilently(t *testing.T) {
	f := newTestFarm(t, "only")
	f.r.GroundAfter, f.r.GroundFor = 2, time.Hour
	f.enqueue(5)
	f.fail(f.claim("only"), "compile-phase")
	out := f.fail(f.claim("only"), "configure-phase")
	if types(out.Events) != "failed,grounded" || !strings.Contains(out.Events[1].Reason, "last drone able to build: 5 packages wait") {
		t.Fatalf("grounding the last drone: %+v", out.Events)
	}
	if s := out.State.Status(); !strings.Contains(s.Stuck, "no drone can build: 5 needed packages wait") {
		t.Fatalf("status stuck = %q", s.Stuck)
	}
}
