package config

import (
	"errors"
	"strings"
	"testing"
)

// TestThresholdsThatCannotWork: every duration has a floor below which the
// farm cannot work, and "0s" is allowed only where it means "off". Each
// error names the key and the range.
func TestThresholdsThatCannotWork(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" = accepted
	}{
		{"[farm]\nheartbeat = \"1ns\"\n", `farm.heartbeat: must be at least 1s, not "1ns"`},
		{"[farm]\nheartbeat = \"999ms\"\nlease = \"4s\"\n", `farm.heartbeat: must be at least 1s, not "999ms"`},
		{"[farm]\nheartbeat = \"0s\"\n", `farm.heartbeat: must be at least 1s, not "0s"`},
		{"[farm]\nheartbeat = \"-15s\"\n", `farm.heartbeat: must be at least 1s`},
		{"[farm]\nheartbeat = \"1s\"\nlease = \"2s\"\n", ""},
		{"[farm]\nheartbeat = \"1s\"\nlease = \"1999ms\"\n", `farm.lease: must be at least twice farm.heartbeat (2 × 1s = 2s)`},
		{"[farm]\nheartbeat = \"40s\"\n", `farm.lease: must be at least twice farm.heartbeat (2 × 40s = 80s), or leases lapse between heartbeats; not "1m"`},
		{"[farm]\nlease = \"0s\"\n", `farm.lease: must be at least 1s, not "0s"`},
		{"[farm]\nlease = \"-1m\"\n", `farm.lease: must be at least 1s`},
		{"[server]\nmaintenance_every = \"0s\"\n", `server.maintenance_every: must be at least 100ms, not "0s"`},
		{"[server]\nmaintenance_every = \"1ns\"\n", `server.maintenance_every: must be at least 100ms`},
		{"[server]\nmaintenance_every = \"250ms\"\n", ""},
		{"[build]\nstall_after = \"0s\"\n", ""}, // off
		{"[build]\nstall_after = \"1ns\"\n", `build.stall_after: must be "0s" (off) or at least 1s, not "1ns"`},
		{"[build]\nstall_after = \"-30m\"\n", `build.stall_after: must be "0s" (off) or at least 1s`},
		{"[farm]\nground_for = \"0s\"\n", `farm.ground_for: must be at least 1s, not "0s"`},
		{"[farm]\nsystemic_window = \"0s\"\n", `farm.systemic_window: must be at least 1s`},
		{"[farm]\nstale_after = \"-48h\"\n", `farm.stale_after: must be at least 1s`},
		{"[farm]\nfresh_every = \"0s\"\n", ""}, // off
		{"[farm]\nfresh_every = \"30s\"\n", `farm.fresh_every: must be "0s" (off) or at least 1m, not "30s"`},
		{"[farm]\nground_after = 0\n", `farm.ground_after: must be at least 1, not 0`},
		{"[farm]\nsystemic_fraction = 0.0\n", `farm.systemic_fraction: must be more than 0 and at most 1, not 0`},
		{"[farm]\nsystemic_fraction = 1.0\n", ""},
		{"[health]\ndegraded_memory_percent = 0.0\n", `health.degraded_memory_percent: must be more than 0 and at most 100`},
		{"[health]\ncritical_crashes = 0\n", `health.critical_crashes: must be at least 1, not 0`},
		{"[log]\nsegment_bytes = 1\n", `log.segment_bytes: must be at least 4096, not 1`},
		{"[log]\nsnapshot_every = 0\n", `log.snapshot_every: must be at least 1, not 0`},
	} {
		_, err := Parse([]byte(tc.in))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Parse(%q): %v", tc.in, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Parse(%q) = %v\nwant an error with %s", tc.in, err, tc.want)
		case err != nil && !errors.Is(err, ErrBadValue):
			t.Errorf("Parse(%q) = %v, not ErrBadValue", tc.in, err)
		}
	}
}
