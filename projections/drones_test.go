package projections

import (
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

func status(t *testing.T, s *State, id string) DroneStatus {
	t.Helper()
	d, ok := s.Drone(id)
	if !ok {
		t.Fatalf("drone %s missing", id)
	}
	return d.StatusAt(s.Time)
}

func TestDroneStatusPriority(t *testing.T) {
	s := feed(New(), register("d1"), ev(events.TypeEnqueued, atomA, "", 0), ev(events.TypeClaimed, atomA, "d1", 1))
	steps := []struct {
		e    events.Event
		want DroneStatus
	}{
		{events.Event{Type: events.TypeDroneHealth, Actor: "d1", Health: "degraded", CPUPercent: 97.5}, "degraded"},
		{events.Event{Type: events.TypeGrounded, Actor: "orchestrator", Drone: "d1", Reason: "5 failures"}, DroneGrounded},
		{events.Event{Type: events.TypeDroneOffline, Actor: "orchestrator", Drone: "d1"}, DroneOffline},
		{events.Event{Type: events.TypeDroneOnline, Actor: "d1", Drone: "d1"}, DroneGrounded},
		{events.Event{Type: events.TypeUngrounded, Actor: "operator", Drone: "d1"}, "degraded"},
		{events.Event{Type: events.TypeDroneHealth, Actor: "d1", Drone: "d1", Health: "healthy"}, DroneBuilding},
		{ev(events.TypeCompleted, atomA, "d1", 1), DroneIdle},
	}
	for i, step := range steps {
		feed(s, step.e)
		if got := status(t, s, "d1"); got != step.want {
			t.Fatalf("step %d (%v): status %s, want %s", i, step.e.Type, got, step.want)
		}
	}
	if d, _ := s.Drone("d1"); d.CPUPercent != 0 || d.Health != Healthy {
		t.Fatalf("samples: %+v", d)
	}
}

func TestGroundingExpiresWithEventTime(t *testing.T) {
	until := t0.Add(10 * time.Minute)
	s := feed(New(), register("d1"),
		events.Event{Type: events.TypeGrounded, Actor: "orchestrator", Drone: "d1", Until: until, Reason: "breaker"})
	if got := status(t, s, "d1"); got != DroneGrounded {
		t.Fatalf("status %s, want grounded", got)
	}
	if n := s.Status().Drones.Grounded; n != 1 {
		t.Fatalf("grounded count %d", n)
	}
	feed(s, events.Event{Type: events.TypeQueuePaused, Actor: "operator", Time: until})
	if got := status(t, s, "d1"); got != DroneIdle {
		t.Fatalf("status at until: %s, want idle", got)
	}
	if n := s.Status().Drones.Grounded; n != 0 {
		t.Fatalf("grounded count %d after expiry", n)
	}
}

func TestGroundingAnAdmittedDroneBeforeItRegisters(t *testing.T) {
	s := feed(New(), events.Event{Type: events.TypeGrounded, Actor: "operator", Drone: "d7", Reason: "maintenance"})
	d, ok := s.Drone("d7")
	if !ok || !d.Grounded || d.Online || !d.LastSeen.IsZero() || !d.Registered.IsZero() {
		t.Fatalf("drone: %+v (known %v)", d, ok)
	}
	feed(s, register("d7"))
	if got := status(t, s, "d7"); got != DroneGrounded {
		t.Fatalf("status %s after registering, want grounded", got)
	}
}

func TestLastSeenOnlyFromTheDroneItself(t *testing.T) {
	s := feed(New(), register("d1"), ev(events.TypeEnqueued, atomA, "", 0))
	feed(s, events.Event{Type: events.TypeDroneOffline, Actor: "orchestrator", Drone: "d1"},
		events.Event{Type: events.TypeGrounded, Actor: "operator", Drone: "d1"},
		ev(events.TypeCompleted, atomA, "d1", 3)) // unfit: not building
	if d, _ := s.Drone("d1"); !d.LastSeen.Equal(t0.Add(time.Minute)) {
		t.Fatalf("last seen %v, want the registration at %v", d.LastSeen, t0.Add(time.Minute))
	}
	feed(s, events.Event{Type: events.TypeDroneOnline, Actor: "orchestrator", Drone: "d1"}, // on the drone's behalf: it was heard
		events.Event{Type: events.TypeBinpkgUploaded, Actor: "d1", Atom: atomA})
	if d, _ := s.Drone("d1"); !d.LastSeen.Equal(s.Time) {
		t.Fatalf("last seen %v, want %v", d.LastSeen, s.Time)
	}
}

func TestConsecutiveFailuresResetByCompletion(t *testing.T) {
	s := feed(New(), register("d1"), ev(events.TypeEnqueued, atomA, "", 0), ev(events.TypeEnqueued, atomB, "", 0))
	fence := uint64(0)
	for range 3 {
		fence++
		feed(s, ev(events.TypeClaimed, atomA, "d1", fence), ev(events.TypeFailed, atomA, "d1", fence))
	}
	if d, _ := s.Drone("d1"); d.ConsecutiveFailures() != 3 {
		t.Fatalf("consecutive failures %d, want 3", d.ConsecutiveFailures())
	}
	if p := mustPackage(t, s, atomA); p.Attempts != 3 || len(p.FailedOn) != 1 {
		t.Fatalf("package: %+v", p)
	}
	feed(s, ev(events.TypeClaimed, atomB, "d1", 9), ev(events.TypeCompleted, atomB, "d1", 9))
	if d, _ := s.Drone("d1"); d.ConsecutiveFailures() != 0 {
		t.Fatalf("consecutive failures %d after a completion", d.ConsecutiveFailures())
	}
}
