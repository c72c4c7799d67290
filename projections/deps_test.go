package projections

import (
	"slices"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// A package is offered only when its dependencies are built (or leave the
// queue), in priority order.
func TestDependenciesGateTheDispatchOrder(t *testing.T) {
	s := New()
	seq := uint64(0)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	apply := func(e events.Event) {
		seq++
		e.Seq, e.Time = seq, at.Add(time.Duration(seq)*time.Second)
		s.Apply(&e)
		checkInvariants(t, s)
		checkIndex(t, s, true)
	}
	ready := func() []string {
		var out []string
		for p := range s.Needed() {
			out = append(out, p.Atom)
		}
		return out
	}
	apply(events.Event{Type: events.TypeDroneRegistered, Actor: "d", Drone: "d"})
	// kdelibs needs qtcore and qtgui; qtgui needs qtcore. qtcore is on the
	// longest path, so it has the highest priority; a leaf comes last.
	apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: "kde-base/kdelibs-4.14", Priority: 100_000,
		Deps: []string{"dev-qt/qtcore-5.9.4", "dev-qt/qtgui-5.9.4"}})
	apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: "app-misc/leaf-1", Priority: 1_000})
	apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: "dev-qt/qtgui-5.9.4", Priority: 200_000,
		Deps: []string{"dev-qt/qtcore-5.9.4"}})
	apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: "dev-qt/qtcore-5.9.4", Priority: 300_000})
	if got := ready(); !slices.Equal(got, []string{"dev-qt/qtcore-5.9.4", "app-misc/leaf-1"}) {
		t.Fatalf("ready %v", got)
	}
	kde := s.packages["kde-base/kdelibs-4.14"]
	if got := s.Unmet(kde); len(got) != 2 {
		t.Fatalf("kdelibs unmet %v", got)
	}
	build := func(atom string, fence uint64) {
		apply(events.Event{Type: events.TypeClaimed, Actor: "orchestrator", Atom: atom, Drone: "d", Fence: fence, Lease: time.Minute})
		apply(events.Event{Type: events.TypeCompleted, Actor: "d", Atom: atom, Drone: "d", Fence: fence})
	}
	build("dev-qt/qtcore-5.9.4", 100)
	if got := ready(); !slices.Equal(got, []string{"dev-qt/qtgui-5.9.4", "app-misc/leaf-1"}) {
		t.Fatalf("after qtcore: ready %v", got)
	}
	// qtgui leaves the queue (a fresh no longer wants it): met.
	apply(events.Event{Type: events.TypeDequeued, Actor: "op", Atom: "dev-qt/qtgui-5.9.4"})
	if got := ready(); !slices.Equal(got, []string{"kde-base/kdelibs-4.14", "app-misc/leaf-1"}) {
		t.Fatalf("after qtgui left: ready %v", got)
	}
	// qtcore queued again (rebuild): kdelibs waits again.
	apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: "dev-qt/qtcore-5.9.4", Priority: 300_000})
	if got := ready(); !slices.Equal(got, []string{"dev-qt/qtcore-5.9.4", "app-misc/leaf-1"}) {
		t.Fatalf("after qtcore re-queued: ready %v", got)
	}
	// Snapshots keep it all.
	data := appendState(nil, s)
	back, err := decodeState(data)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, back)
	checkIndex(t, back, true)
	if !slices.Equal(back.needed.all(), s.needed.all()) {
		t.Fatalf("decoded order %v, want %v", back.needed.all(), s.needed.all())
	}
}
