package commands

import (
	"testing"
	"time"
)

// TestHeartbeatReportsTheRelease: a beat carrying a release other than
// the one the drone registered with is recorded (issue 11: drones report
// their release in heartbeats), so the skew rules see it at once; the
// same release again writes nothing.
func TestHeartbeatReportsTheRelease(t *testing.T) {
	s := openStore(t, t.TempDir())
	r := DefaultRules()
	r.SampleEvery = time.Hour
	now := time.Now()
	exec(t, s, Register(DroneInfo{ID: "d1", Cores: 4, Version: "1.0.0", Health: "healthy"}, nil, nil))
	live := NewLiveness()
	beat := Beat{Health: "healthy", Version: "1.0.0"}
	exec(t, s, Heartbeat(r, now, "d1", beat, live, nil)) // the first sample
	if out := exec(t, s, Heartbeat(r, now.Add(time.Second), "d1", beat, live, nil)); len(out.Events) != 0 {
		t.Fatalf("the same release appended %+v", out.Events)
	}
	beat.Version = "1.1.0"
	out := exec(t, s, Heartbeat(r, now.Add(2*time.Second), "d1", beat, live, nil))
	if len(out.Events) != 1 || out.Events[0].Version != "1.1.0" {
		t.Fatalf("a new release appended %+v", out.Events)
	}
	st, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Drone("d1"); d.Version != "1.1.0" {
		t.Fatalf("the drone's release is %q, want 1.1.0", d.Version)
	}
}
