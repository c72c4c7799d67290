package commands

import (
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

func TestRatePerHourEndsNow(t *testing.T) {
	st := projections.New()
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	seq := uint64(0)
	apply := func(e events.Event, at time.Time) {
		seq++
		e.Seq, e.Time = seq, at
		st.Apply(&e)
	}
	apply(events.Event{Type: events.TypeDroneRegistered, Actor: "d1", Drone: "d1", Cores: 8}, t0)
	for i, atom := range []string{"a/x-1", "a/y-1", "a/z-1"} {
		at := t0.Add(time.Duration(i*20) * time.Minute)
		apply(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: atom}, at)
		apply(events.Event{Type: events.TypeClaimed, Actor: "orchestrator", Atom: atom, Drone: "d1", Fence: seq + 1, Lease: time.Hour, Attempt: 1}, at)
		apply(events.Event{Type: events.TypeCompleted, Actor: "d1", Atom: atom, Drone: "d1", Fence: seq}, at)
	}
	last := t0.Add(40 * time.Minute)
	for _, tc := range []struct {
		now  time.Time
		want float64
	}{
		{last, 3},
		{t0.Add(70 * time.Minute), 2}, // x left the hour
		{t0.Add(4 * time.Hour), 0},    // the farm stopped: no rate, whatever the last event said
	} {
		if got := RatePerHour(st, tc.now); got != tc.want {
			t.Errorf("at %s: %v/h, want %v", tc.now.Format("15:04"), got, tc.want)
		}
	}
	if st.Status().RatePerHour != 3 {
		t.Fatalf("projection's own rate %v", st.Status().RatePerHour)
	}
}
