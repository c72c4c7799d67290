package commands

import (
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// TestQueueInOrder: the queue is listed as the farm works through it, not
// as it was filled.
func TestQueueInOrder(t *testing.T) {
	st := projections.New()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	seq := uint64(0)
	apply := func(e events.Event) {
		seq++
		e.Seq, e.Time = seq, t0.Add(time.Duration(seq)*time.Second)
		st.Apply(&e)
	}
	enq := func(atom string, prio uint64, deps ...string) {
		apply(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: atom, Priority: prio, Deps: deps})
	}
	enq("app-misc/done-1", 0)
	enq("app-misc/small-1", 10_000)
	enq("app-misc/top-1", 5_000, "app-misc/long-1")
	enq("app-misc/long-1", 90_000)
	enq("app-misc/held-1", 1)
	enq("app-misc/mid-1", 50_000)
	apply(events.Event{Type: events.TypeDroneRegistered, Actor: "d1", Drone: "d1", Cores: 8})
	apply(events.Event{Type: events.TypeClaimed, Actor: "orchestrator", Atom: "app-misc/done-1", Drone: "d1", Fence: seq + 1, Lease: time.Minute, Attempt: 1})
	apply(events.Event{Type: events.TypeCompleted, Actor: "d1", Atom: "app-misc/done-1", Drone: "d1", Fence: seq})
	apply(events.Event{Type: events.TypeClaimed, Actor: "orchestrator", Atom: "app-misc/mid-1", Drone: "d1", Fence: seq + 1, Lease: time.Minute, Attempt: 1})
	apply(events.Event{Type: events.TypeDurationLearned, Actor: "operator", Atom: "app-misc/long", Count: 90_000})

	var got []string
	for _, e := range QueueInOrder(st, "") {
		got = append(got, e.Atom+" "+string(e.State))
	}
	want := []string{
		"app-misc/mid-1 building",
		"app-misc/long-1 needed",  // ready, longest path first
		"app-misc/small-1 needed", // ready
		"app-misc/held-1 needed",  // ready, lowest priority
		"app-misc/top-1 needed",   // waits for long-1
		"app-misc/done-1 built",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order:\n got %q\nwant %q", got, want)
		}
	}
	for _, e := range QueueInOrder(st, "needed") {
		if e.Atom == "app-misc/long-1" && (e.ExpectedSec != 90 || !e.Ready) {
			t.Errorf("long-1: expected %vs ready %v, want 90s ready", e.ExpectedSec, e.Ready)
		}
		if e.Atom == "app-misc/top-1" && e.Ready {
			t.Error("top-1 is ready though long-1 is not built")
		}
	}
}
