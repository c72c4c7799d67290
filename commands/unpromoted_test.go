package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// TestUnpromoted flags a package built more than PromoteWithin ago whose
// binary package is not in the index, judged against the time given, and
// names who built it; a package promoted, not yet built, or built just
// now is not flagged.
func TestUnpromoted(t *testing.T) {
	t0 := time.Date(2026, 2, 5, 10, 0, 0, 0, time.UTC)
	st := projections.New()
	seq := uint64(0)
	apply := func(e events.Event) {
		seq++
		e.Seq = seq
		if e.Time.IsZero() {
			e.Time = t0
		}
		st.Apply(&e)
	}
	apply(events.Event{Type: events.TypeDroneRegistered, Actor: "d1", Cores: 1})
	build := func(atom string, fence uint64, claimed, done time.Time) {
		apply(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: atom})
		apply(events.Event{Type: events.TypeClaimed, Actor: "d1", Drone: "d1", Atom: atom, Fence: fence, Lease: time.Minute, Time: claimed})
		if !done.IsZero() {
			apply(events.Event{Type: events.TypeCompleted, Actor: "d1", Drone: "d1", Atom: atom, Fence: fence, Time: done})
		}
	}
	build("app-misc/early-1", 1, t0, t0.Add(2*time.Minute))
	build("app-misc/late-1", 2, t0, t0.Add(3*time.Minute))
	build("app-misc/promoted-1", 3, t0, t0.Add(time.Minute))
	apply(events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: "app-misc/promoted-1", Time: t0.Add(time.Minute)})
	build("app-misc/building-1", 4, t0, time.Time{})

	tests := []struct {
		now  time.Time
		want []string
	}{
		{now: t0.Add(3*time.Minute + time.Second), want: []string{"app-misc/early-1"}},
		{now: t0.Add(3*time.Minute + PromoteWithin), want: []string{"app-misc/early-1"}}, // late: exactly a minute
		{now: t0.Add(10 * time.Minute), want: []string{"app-misc/early-1", "app-misc/late-1"}},
		{now: t0.Add(3 * time.Minute), want: nil}, // early: exactly a minute
	}
	for _, tt := range tests {
		got := Unpromoted(st, tt.now)
		var atoms []string
		for _, n := range got {
			atoms = append(atoms, n.Atom)
			if n.State != projections.Built || !strings.Contains(n.Reason, "built by d1") || !strings.Contains(n.Reason, "no binary package of it is in the index") {
				t.Errorf("note %+v, want built, by d1, not in the index", n)
			}
		}
		if strings.Join(atoms, " ") != strings.Join(tt.want, " ") {
			t.Errorf("at %v: flagged %v, want %v", tt.now.Sub(t0), atoms, tt.want)
		}
	}
}
