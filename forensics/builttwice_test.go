package forensics

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
)

// raw appends e to the log as written, without a decider: a log swarm's
// own rules no longer write, as the field's farm wrote it.
func (f *farm) raw(e events.Event) {
	e.Seq, e.Time = uint64(len(f.log))+1, f.now
	f.st.Apply(&e)
	f.log = append(f.log, e)
}

// TestFindBuiltTwice is the field's "drones built the same dependency
// twice": nothing scheduled by dependencies, so a second drone built a
// package another had built, with no re-enqueue between.
func TestFindBuiltTwice(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/openssl-3.3.2", "dev-libs/zlib-1.3"}))
	f.build("a", "dev-libs/openssl-3.3.2")
	f.build("b", "dev-libs/zlib-1.3")
	f.tick(time.Minute)
	f.raw(events.Event{Type: events.TypeClaimed, Actor: "b", Drone: "b", Atom: "dev-libs/openssl-3.3.2", Fence: 99})
	f.tick(time.Minute)
	f.raw(events.Event{Type: events.TypeCompleted, Actor: "b", Drone: "b", Atom: "dev-libs/openssl-3.3.2", Fence: 99})
	in := only(t, find(t, f), KindBuiltTwice)
	if !slices.Equal(in.Drones, []string{"a", "b"}) || !slices.Equal(in.Atoms, []string{"dev-libs/openssl-3.3.2"}) {
		t.Errorf("names drones %v atoms %v; want a, b and openssl", in.Drones, in.Atoms)
	}
	if !strings.Contains(in.Summary, "built 2 times") {
		t.Errorf("summary %q, want the count", in.Summary)
	}
	var built int
	for _, s := range in.Timeline {
		if s.Type == "completed" {
			built++
		}
	}
	if built != 2 {
		t.Errorf("timeline shows %d builds, want both: %+v", built, in.Timeline)
	}
}

// TestBuiltTwiceNotAfterReenqueue: a package enqueued again after its build
// is meant to be built again; that is no incident. Nor is one build each of
// many packages.
func TestBuiltTwiceNotAfterReenqueue(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/openssl-3.3.2", "dev-libs/zlib-1.3"}))
	f.build("a", "dev-libs/openssl-3.3.2")
	f.build("b", "dev-libs/zlib-1.3")
	f.raw(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: "dev-libs/openssl-3.3.2"})
	f.raw(events.Event{Type: events.TypeClaimed, Actor: "b", Drone: "b", Atom: "dev-libs/openssl-3.3.2", Fence: 99})
	f.raw(events.Event{Type: events.TypeCompleted, Actor: "b", Drone: "b", Atom: "dev-libs/openssl-3.3.2", Fence: 99})
	for _, in := range find(t, f) {
		if in.Kind == KindBuiltTwice {
			t.Errorf("a re-enqueued package built again is an incident: %+v", in)
		}
	}
}
