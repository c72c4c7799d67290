package projections

import (
	"fmt"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// BenchmarkClaimOn100k folds one claim and its completion on a queue of
// 100,000 ready packages, the head of the dispatch order taken each time
// and a new package queued at the tail: the ready index must not cost the
// queue's length per claim.
func BenchmarkClaimOn100k(b *testing.B) {
	const n = 100_000
	s := New()
	seq := uint64(0)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	apply := func(e events.Event) {
		seq++
		e.Seq, e.Time = seq, at
		s.Apply(&e)
	}
	apply(events.Event{Type: events.TypeDroneRegistered, Actor: "d", Drone: "d", Count: 1})
	atom := func(i int) string { return fmt.Sprintf("bench-cat/pkg%d-1", i) }
	for i := range n {
		apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: atom(i), Priority: uint64(n - i%1000)})
	}
	next, fence := n, uint64(0)
	b.ResetTimer()
	for b.Loop() {
		var head string
		for p := range s.Needed() {
			head = p.Atom
			break
		}
		fence++
		apply(events.Event{Type: events.TypeClaimed, Actor: "orchestrator", Atom: head, Drone: "d", Fence: fence, Lease: time.Minute})
		apply(events.Event{Type: events.TypeCompleted, Actor: "d", Atom: head, Drone: "d", Fence: fence})
		apply(events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: atom(next), Priority: uint64(n - next%1000)})
		next++
	}
}

// BenchmarkRegisterOn100k folds a new drone registering on a queue of
// 100,000 packages none of which requires a capability: a thousand drones
// coming back after a server restart must not walk the queue each.
func BenchmarkRegisterOn100k(b *testing.B) {
	s := New()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i := range 100_000 {
		s.Apply(&events.Event{Seq: uint64(i + 1), Time: at, Type: events.TypeEnqueued, Actor: "op",
			Atom: fmt.Sprintf("bench-cat/pkg%d-1", i)})
	}
	n := 0
	for b.Loop() {
		n++
		id := fmt.Sprintf("d%d", n)
		s.Apply(&events.Event{Seq: s.Seq + 1, Time: at, Type: events.TypeDroneRegistered, Actor: id, Drone: id, Cores: 4})
	}
}
