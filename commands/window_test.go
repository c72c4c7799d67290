package commands

import (
	"strings"
	"testing"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// emit is a decider that appends evs as they are.
func emit(evs ...events.Event) Decider {
	return func(*projections.State) ([]events.Event, error) { return evs, nil }
}

// TestSystemicWindow: a systemic pause counts only the failures of the
// current window, on drones online now. A resume or a fresh starts a new
// window; a drone gone offline is not a failing online drone.
func TestSystemicWindow(t *testing.T) {
	five := []string{"a", "b", "c", "d", "e"}
	cases := []struct {
		name   string
		drones []string
		before []string        // drones whose builds fail with slot-conflict first
		then   func(*testFarm) // what happens between
		after  string          // the drone whose failure is judged last
		paused bool
	}{
		{"without a new window three of five is systemic", five, []string{"a", "b"}, func(*testFarm) {}, "c", true},
		{"a resume starts a new window", []string{"a", "b", "c"}, []string{"a", "b", "c"}, func(f *testFarm) {
			if f.state().Paused == nil {
				f.t.Fatal("three of three drones failing was not systemic")
			}
			exec(f.t, f.s, Resume(ActorOperator))
		}, "a", false},
		{"a fresh starts a new window", five, []string{"a", "b"}, func(f *testFarm) {
			exec(f.t, f.s, emit(events.Event{Type: events.TypeFreshCompleted, Actor: ActorOperator, Tree: "t2"}))
		}, "c", false},
		{"drones gone offline are not failing online drones", five, []string{"a", "b"}, func(f *testFarm) {
			exec(f.t, f.s, emit(events.Event{Type: events.TypeDroneOffline, Actor: ActorOrchestrator, Drone: "a"},
				events.Event{Type: events.TypeDroneOffline, Actor: ActorOrchestrator, Drone: "b"}))
		}, "c", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newTestFarm(t, c.drones...)
			f.enqueue(20)
			for _, d := range c.before {
				f.fail(f.claim(d), "slot-conflict")
			}
			c.then(f)
			out := f.fail(f.claim(c.after), "slot-conflict")
			if got := out.State.Paused != nil; got != c.paused {
				t.Fatalf("paused = %v (%s), want %v", got, types(out.Events), c.paused)
			}
			if c.paused && !strings.Contains(out.State.Paused.Reason, "slot-conflict") {
				t.Fatalf("pause %+v does not name the signature", out.State.Paused)
			}
		})
	}
}
