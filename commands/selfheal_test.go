package commands

import (
	"testing"
	"time"

	"github.com/swarm-build/swarm/projections"
)

func TestHealDue(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	on := HealRules{Enabled: true, After: 10 * time.Minute, Attempts: 2, Backoff: time.Minute}
	reboot := on
	reboot.Reboot = true
	offline := &projections.Drone{ID: "b1", LastSeen: t0}
	grounded := &projections.Drone{ID: "b1", Online: true, LastSeen: t0.Add(time.Hour), Grounded: true, GroundedSince: t0}
	cooled := &projections.Drone{ID: "b1", Online: true, LastSeen: t0.Add(time.Hour), Grounded: true, GroundedSince: t0,
		GroundedUntil: t0.Add(5 * time.Minute)}
	for _, tc := range []struct {
		name string
		h    HealRules
		d    *projections.Drone
		rec  HealRecord
		now  time.Time
		want HealAction
	}{
		{"off by default", HealRules{After: time.Minute, Attempts: 3}, offline, HealRecord{}, t0.Add(time.Hour), HealNone},
		{"online", on, &projections.Drone{ID: "b1", Online: true, LastSeen: t0}, HealRecord{}, t0.Add(time.Hour), HealNone},
		{"never seen", on, &projections.Drone{ID: "b1"}, HealRecord{}, t0.Add(time.Hour), HealNone},
		{"not yet past the limit", on, offline, HealRecord{}, t0.Add(9 * time.Minute), HealNone},
		{"past the limit", on, offline, HealRecord{}, t0.Add(10 * time.Minute), HealRestart},
		{"within the backoff", on, offline, HealRecord{Restarts: 1, Last: t0.Add(10 * time.Minute)}, t0.Add(10*time.Minute + 59*time.Second), HealNone},
		{"after the backoff", on, offline, HealRecord{Restarts: 1, Last: t0.Add(10 * time.Minute)}, t0.Add(11 * time.Minute), HealRestart},
		{"the backoff doubles", on, offline, HealRecord{Restarts: 2, Last: t0.Add(11 * time.Minute)}, t0.Add(12 * time.Minute), HealNone},
		{"attempts used, no reboot allowed", on, offline, HealRecord{Restarts: 2, Last: t0.Add(11 * time.Minute)}, t0.Add(time.Hour), HealNone},
		{"attempts used, reboot allowed", reboot, offline, HealRecord{Restarts: 2, Last: t0.Add(11 * time.Minute)}, t0.Add(time.Hour), HealReboot},
		{"reboot only after the backoff", reboot, offline, HealRecord{Restarts: 2, Last: t0.Add(11 * time.Minute)}, t0.Add(12 * time.Minute), HealNone},
		{"online, grounded past the limit", on, grounded, HealRecord{}, t0.Add(10 * time.Minute), HealRestart},
		{"online, grounded not yet past it", on, grounded, HealRecord{}, t0.Add(9 * time.Minute), HealNone},
		{"a grounding that ran out", on, cooled, HealRecord{}, t0.Add(time.Hour), HealNone},
		{"rebooted once", reboot, offline, HealRecord{Restarts: 2, Last: t0.Add(11 * time.Minute), Rebooted: true}, t0.Add(time.Hour), HealNone},
	} {
		if got := HealDue(tc.h, tc.d, tc.rec, tc.now); got != tc.want {
			t.Errorf("%s: HealDue = %v, want %v", tc.name, got, tc.want)
		}
	}
}
