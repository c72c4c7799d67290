package projections

import (
	"testing"

	"github.com/swarm-build/swarm/events"
)

func TestRoutine(t *testing.T) {
	seq := []struct {
		e    events.Event
		want bool
	}{
		{events.Event{Type: events.TypeDroneRegistered, Drone: "a", Health: "healthy"}, false},
		{events.Event{Type: events.TypeDroneHealth, Drone: "a", Health: "healthy", CPUPercent: 10}, true},
		{events.Event{Type: events.TypeClaimed, Drone: "a", Atom: "x/y-1"}, false},
		{events.Event{Type: events.TypeLeaseRenewed, Drone: "a", Atom: "x/y-1"}, true},
		{events.Event{Type: events.TypeDroneHealth, Drone: "a", Health: "degraded"}, false},
		{events.Event{Type: events.TypeDroneHealth, Drone: "a", Health: "degraded"}, true},
		{events.Event{Type: events.TypeDroneHealth, Drone: "a", Health: "degraded", Fingerprint: "abc"}, false},
		// b was never registered in this slice of the log: its first health is news.
		{events.Event{Type: events.TypeDroneHealth, Drone: "b", Health: "healthy"}, false},
		{events.Event{Type: events.TypeDroneHealth, Drone: "b", Health: "healthy"}, true},
		{events.Event{Type: events.TypeDroneOffline, Drone: "b"}, false},
	}
	var r Routine
	for i, s := range seq {
		if got := r.Is(&s.e); got != s.want {
			t.Errorf("%d %s %s: routine %v, want %v", i, s.e.Type, s.e.Health, got, s.want)
		}
	}
}
