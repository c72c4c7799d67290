package commands

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/projections"
)

func TestCompareReleases(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		c    int
		ok   bool
	}{
		{"1.2.3", "1.2.3", 0, true},
		{"1.2.3", "1.2.4", -1, true},
		{"v1.10.0", "1.9.9", 1, true},
		{"2", "1.99", 1, true},
		{"1.2.3-rc1", "1.2.3", -1, true},
		{"1.2.3", "1.2.3-rc1", 1, true},
		{"1.2.3+abc", "1.2.3", 0, true},
		{"dev", "1.0.0", 0, false},
		{"dev", "dev", 0, true},
		{"1.2.3.4", "1.2.3", 0, false},
	} {
		c, ok := CompareReleases(tc.a, tc.b)
		if c != tc.c || ok != tc.ok {
			t.Errorf("CompareReleases(%q, %q) = %d, %v; want %d, %v", tc.a, tc.b, c, ok, tc.c, tc.ok)
		}
	}
}

func TestCheckDroneRelease(t *testing.T) {
	if err := CheckDroneRelease("1.3.0", "1.2.0"); err == nil {
		t.Error("a drone newer than its orchestrator was allowed")
	}
	for _, pair := range [][2]string{{"1.2.0", "1.2.0"}, {"1.1.0", "1.2.0"}, {"dev", "1.2.0"}} {
		if err := CheckDroneRelease(pair[0], pair[1]); err != nil {
			t.Errorf("CheckDroneRelease(%q, %q) = %v", pair[0], pair[1], err)
		}
	}
}

func TestStaleRelease(t *testing.T) {
	for _, tc := range []struct {
		require, release, drone string
		stale                   bool
	}{
		{"", "1.4.0", "0.1.0", false},
		{"orchestrator", "1.4.0", "1.4.0", false},
		{"orchestrator", "1.4.0", "1.3.9", true},
		{"orchestrator", "1.4.0", "1.5.0", false}, // newer drones are refused at registration
		{"1.2.0", "1.4.0", "1.2.0", false},
		{"1.2.0", "1.4.0", "1.1.9", true},
		{"1.2.0", "1.4.0", "dev", true}, // cannot be shown to be at least 1.2.0
		{"1.2.0", "1.4.0", "", true},
		{"orchestrator", "dev", "dev", false},
	} {
		d := &projections.Drone{ID: "b1", Version: tc.drone}
		r := Rules{RequireVersion: tc.require, Release: tc.release}
		why := StaleRelease(r, d)
		if (why != "") != tc.stale {
			t.Errorf("require %q, orchestrator %s, drone %q: %q, want stale %v", tc.require, tc.release, tc.drone, why, tc.stale)
		}
		if why != "" && !strings.Contains(why, "swarm deploy b1") {
			t.Errorf("%q does not give the fix", why)
		}
		if blocked := slices.Contains(droneBlockers(r, projections.New(), d, time.Now()), why); tc.stale && !blocked {
			t.Errorf("a stale drone is not kept from work: %q", why)
		}
	}
}
