package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/projections"
)

func TestFreshOverdue(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	hour := time.Hour
	for _, tc := range []struct {
		name    string
		every   time.Duration
		last    time.Time
		running *projections.FreshRun
		want    string
	}{
		{"off", 0, time.Time{}, nil, ""},
		{"never ran", hour, time.Time{}, nil, "no fresh has ever completed"},
		{"on time", hour, now.Add(-65 * time.Minute), nil, ""},
		{"overdue", hour, now.Add(-3 * time.Hour), nil, "the scheduled fresh is 2h0m0s overdue"},
		{"stuck run", 0, now.Add(-time.Minute), &projections.FreshRun{Since: now.Add(-2 * time.Hour)}, "never completed"},
	} {
		got := FreshOverdue(tc.every, tc.last, tc.running, now)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestQueueStale(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	old, fresh := now.Add(-49*time.Hour), now.Add(-time.Hour)
	for _, tc := range []struct {
		name  string
		limit time.Duration
		sync  projections.SyncStatus
		want  string
	}{
		{"never synced", 48 * time.Hour, projections.SyncStatus{}, ""},
		{"off", 0, projections.SyncStatus{Time: &old, Tree: "t"}, ""},
		{"young", 48 * time.Hour, projections.SyncStatus{Time: &fresh, Tree: "t"}, ""},
		{"stale", 48 * time.Hour, projections.SyncStatus{Time: &old, Tree: "t"}, "computed 49h0m0s ago against tree t, more than farm.stale_after (48h)"},
	} {
		got := QueueStale(tc.limit, tc.sync, now)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
