package commands

import (
	"fmt"
	"strconv"
	"strings"
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
