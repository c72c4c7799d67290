package commands

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/swarm-build/swarm/projections"
)

// CompareReleases orders two swarm releases ("1.2.3", "v1.2.3", "1.2.3-rc1"):
// -1, 0 or 1 as a is older than, the same as or newer than b. ok is false
// when either is not a release number (a development build, "dev"), so no
// order can be claimed; equal strings are always the same release.
func CompareReleases(a, b string) (c int, ok bool) {
	if a == b {
		return 0, true
	}
	na, pa, okA := parseRelease(a)
	nb, pb, okB := parseRelease(b)
	if !okA || !okB {
		return 0, false
	}
	for i := range 3 {
		if na[i] != nb[i] {
			return sign(na[i] - nb[i]), true
		}
	}
	switch { // a pre-release comes before its release
	case pa == pb:
		return 0, true
	case pa == "":
		return 1, true
	case pb == "":
		return -1, true
	}
	return strings.Compare(pa, pb), true
}

func sign(n int) int {
	if n < 0 {
		return -1
	}
	return 1
}

// parseRelease reads [v]MAJOR[.MINOR[.PATCH]][-PRE][+BUILD].
func parseRelease(s string) (n [3]int, pre string, ok bool) {
	s = strings.TrimPrefix(s, "v")
	s, _, _ = strings.Cut(s, "+")
	s, pre, _ = strings.Cut(s, "-")
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return n, "", false
	}
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return n, "", false
		}
		n[i] = v
	}
	return n, pre, true
}

// CheckDroneRelease is the skew rule for a drone: it may not run a release
// newer than its orchestrator's, which may not understand what it sends.
// It returns why not, or nil.
func CheckDroneRelease(drone, orchestrator string) error {
	if c, ok := CompareReleases(drone, orchestrator); ok && c > 0 {
		return fmt.Errorf("release %s is newer than the orchestrator's %s: deploy the orchestrator first",
			drone, orchestrator)
	}
	return nil
}

// RequiredRelease is the release r asks drones to run at least; "" when
// it asks none.
func (r Rules) RequiredRelease() string {
	if r.RequireVersion == "orchestrator" {
		return r.Release
	}
	return r.RequireVersion
}

// StaleRelease says why d's release keeps it from work: it is below the
// farm's required one (or cannot be ordered against it, a development
// build say, without being it). "" when it may work.
func StaleRelease(r Rules, d *projections.Drone) string {
	want := r.RequiredRelease()
	if want == "" {
		return ""
	}
	if c, ok := CompareReleases(d.Version, want); ok && c >= 0 {
		return ""
	}
	have := d.Version
	if have == "" {
		have = "an unknown release"
	}
	return fmt.Sprintf("stale release: runs %s, the farm requires %s; run 'swarm deploy %s'", have, want, d.ID)
}

// DroneStale is a drone whose release keeps it from work.
type DroneStale struct {
	ID       string `json:"id"`
	Version  string `json:"version"`  // what it runs
	Required string `json:"required"` // what the farm requires at least
	Why      string `json:"why"`      // the reason with its fix
}

// StaleReleases lists the drones whose release is below the farm's
// required one, by id.
func StaleReleases(r Rules, st *projections.State) []DroneStale {
	var out []DroneStale
	for d := range st.Drones() {
		if why := StaleRelease(r, d); why != "" {
			out = append(out, DroneStale{ID: d.ID, Version: d.Version, Required: r.RequiredRelease(), Why: why})
		}
	}
	slices.SortFunc(out, func(a, b DroneStale) int { return strings.Compare(a.ID, b.ID) })
	return out
}
