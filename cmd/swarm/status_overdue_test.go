package main

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/projections"
)

func TestFreshOverdue(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	hour := config.Duration{Duration: time.Hour}
	for _, tc := range []struct {
		name    string
		every   config.Duration
		last    time.Time
		running *projections.FreshRun
		want    string
	}{
		{"off", config.Duration{}, time.Time{}, nil, ""},
		{"never ran", hour, time.Time{}, nil, "no fresh has ever completed"},
		{"on time", hour, now.Add(-65 * time.Minute), nil, ""},
		{"overdue", hour, now.Add(-3 * time.Hour), nil, "the scheduled fresh is 2h0m0s overdue"},
		{"stuck run", config.Duration{}, now.Add(-time.Minute), &projections.FreshRun{Since: now.Add(-2 * time.Hour)}, "never completed"},
	} {
		got := overdue(tc.every, tc.last, tc.running, now)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
