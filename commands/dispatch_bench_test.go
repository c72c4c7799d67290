package commands

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/projections"
)

// BenchmarkDispatch20k measures scheduling one claim on a 20,000-package
// queue: the Dispatch decision alone (the rules, the ready order, the
// event), against an in-memory State with 16 drones, a third of the
// packages waiting on dependencies, and one drone's exclusions. The issue's
// goal is under 1 ms per claim.
func BenchmarkDispatch20k(b *testing.B) {
	st := projections.New()
	seq := uint64(0)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	apply := func(e events.Event) {
		seq++
		e.Seq, e.Time = seq, now
		st.Apply(&e)
	}
	for i := range 16 {
		apply(events.Event{Type: events.TypeDroneRegistered, Actor: fmt.Sprintf("d%02d", i), Cores: uint32(4 + i), Count: 2})
	}
	apply(events.Event{Type: events.TypeExcluded, Actor: "op", Pattern: "dev-qt/*", Drone: "d00"})
	real := eventmix.Atoms()
	var atoms []string
	for i := range 20_000 {
		a := real[i%len(real)]
		if i >= len(real) {
			a = fmt.Sprintf("bench-%d%s", i/len(real), a[strings.Index(a, "/"):])
		}
		atoms = append(atoms, a)
	}
	for i, a := range atoms {
		e := events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: a, Priority: uint64(20_000 - i)}
		if i%3 == 2 {
			e.Deps = []string{atoms[i-1], atoms[i-2]}
		}
		apply(e)
	}
	r := DefaultRules()
	d := Dispatch(r, now, []string{"d00"}, nil)
	b.ResetTimer()
	for b.Loop() {
		evs, err := d(st)
		if err != nil || len(evs) != 1 {
			b.Fatalf("dispatch: %v %v", evs, err)
		}
	}
}
