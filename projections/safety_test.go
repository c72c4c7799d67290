package projections

import (
	"slices"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// TestSafetyFolds walks the events of the safety loops through a State:
// start failures (held or not), stalls, the window of failures a resume or
// a fresh closes. After each step the check holds, and the State survives
// a snapshot round trip and a Clone.
func TestSafetyFolds(t *testing.T) {
	const p1, p2 = "dev-libs/one-1", "dev-libs/two-2"
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := New()
	seq := uint64(0)
	apply := func(e events.Event) {
		seq++
		e.Seq, e.Time = seq, t0.Add(time.Duration(seq)*time.Second)
		s.Apply(&e)
	}
	pkg := func(atom string) Package { p, _ := s.Package(atom); return p }
	drone := func(id string) Drone { d, _ := s.Drone(id); return d }
	apply(events.Event{Type: events.TypeDroneRegistered, Actor: "a", Drone: "a"})
	apply(events.Event{Type: events.TypeDroneRegistered, Actor: "b", Drone: "b"})
	apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: p1})
	apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: p2})

	steps := []struct {
		name  string
		evs   []events.Event
		check func() bool
	}{
		{"a start failure sends it back, remembered on both sides", []events.Event{
			{Type: events.TypeClaimed, Actor: "orchestrator", Atom: p1, Drone: "a", Fence: 10, Lease: time.Minute},
			{Type: events.TypeStartFailed, Actor: "a", Atom: p1, Drone: "a", Fence: 10, Reason: "no program"}},
			func() bool {
				p := pkg(p1)
				return p.State == Needed && p.Attempts == 0 && slices.Equal(p.StartFailedOn, []string{"a"}) &&
					slices.Equal(drone("a").StartFailures, []string{p1}) && len(drone("a").Streak) == 0 && len(s.RecentFailures()) == 0
			}},
		{"a final start failure holds it blocked", []events.Event{
			{Type: events.TypeClaimed, Actor: "orchestrator", Atom: p1, Drone: "b", Fence: 11, Lease: time.Minute},
			{Type: events.TypeStartFailed, Actor: "b", Atom: p1, Drone: "b", Fence: 11, Reason: "held: x", Final: true}},
			func() bool {
				p := pkg(p1)
				return p.State == Blocked && p.Held == "held: x" && p.Drone == "" && len(drone("b").Tasks) == 0 &&
					s.Count(Blocked) == 1 && len(s.Status().Held) == 1
			}},
		{"a registration does not release a hold, and clears the drone's start failures", []events.Event{
			{Type: events.TypeDroneRegistered, Actor: "a", Drone: "a", Capabilities: []string{"x"}}},
			func() bool { return pkg(p1).State == Blocked && len(drone("a").StartFailures) == 0 }},
		{"a stall is counted, and a build that ran clears start failures", []events.Event{
			{Type: events.TypeClaimed, Actor: "orchestrator", Atom: p2, Drone: "b", Fence: 12, Lease: time.Minute},
			{Type: events.TypeFailed, Actor: "orchestrator", Atom: p2, Drone: "b", Fence: 12, Signature: SignatureStalled}},
			func() bool {
				p := pkg(p2)
				st := s.Status()
				return p.State == Needed && p.Stalls == 1 && p.Attempts == 1 && len(drone("b").StartFailures) == 0 &&
					len(st.Stalling) == 1 && st.Stalling[0].Atom == p2 && len(s.RecentFailures()) == 1
			}},
		{"a resume forgets the failures", []events.Event{
			{Type: events.TypeQueuePaused, Actor: "op"}, {Type: events.TypeQueueResumed, Actor: "op"}},
			func() bool { return len(s.RecentFailures()) == 0 && pkg(p2).Stalls == 1 }},
		{"so does a fresh", []events.Event{
			{Type: events.TypeClaimed, Actor: "orchestrator", Atom: p2, Drone: "a", Fence: 20, Lease: time.Minute},
			{Type: events.TypeFailed, Actor: "a", Atom: p2, Drone: "a", Fence: 20, Signature: "slot-conflict"},
			{Type: events.TypeFreshCompleted, Actor: "op", Tree: "t"}},
			func() bool { return len(s.RecentFailures()) == 0 }},
		{"queuing it again releases the hold and forgets", []events.Event{
			{Type: events.TypeEnqueued, Actor: "op", Atom: p1}},
			func() bool {
				p := pkg(p1)
				return p.State == Needed && p.Held == "" && len(p.StartFailedOn) == 0 && len(s.Status().Held) == 0
			}},
		{"a start failure under a stale fence does not fit", []events.Event{
			{Type: events.TypeStartFailed, Actor: "a", Atom: p1, Drone: "a", Fence: 10, Final: true}},
			func() bool { return pkg(p1).State == Needed && pkg(p1).Held == "" }},
	}
	for _, st := range steps {
		for _, e := range st.evs {
			apply(e)
		}
		if !st.check() {
			t.Fatalf("%s: package %s %+v, %s %+v; drones a %+v, b %+v", st.name, p1, pkg(p1), p2, pkg(p2), drone("a"), drone("b"))
		}
		back, err := decodeState(fingerprint(s))
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		sameState(t, st.name+": snapshot round trip", s, back)
		sameState(t, st.name+": clone", s, s.Clone())
	}
}
