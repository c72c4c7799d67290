package commands

import (
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/projections"
)

// The rules of who may build what, shared by Dispatch (which skips what they
// rule out) and Why (which says so). Each returns "" when it does not stand
// in the way, else the reason in words an operator acts on.

// droneBlocker says why drone d may take no work at all at now.
func droneBlocker(r Rules, st *projections.State, d *projections.Drone, now time.Time) string {
	if st.Paused != nil {
		return "paused: " + st.Paused.Reason
	}
	if why := droneBlockers(r, st, d, now); len(why) > 0 {
		return why[0]
	}
	return ""
}

// droneBlockers lists every reason of the drone's own (not the farm's
// pause) that keeps it from taking work.
func droneBlockers(r Rules, st *projections.State, d *projections.Drone, now time.Time) []string {
	var why []string
	if !d.Online {
		why = append(why, "offline: heartbeat first")
	}
	if d.GroundedAt(now) {
		why = append(why, "grounded: "+d.GroundReason)
	}
	if d.Health != "" && d.Health != projections.Healthy {
		why = append(why, string(d.Health)+": claims nothing until healthy")
	}
	if staleTree(st, d) {
		why = append(why, fmt.Sprintf("stale tree: the drone has %s but the queue was computed against %s; "+
			"sync the drone (emerge --sync) or run 'swarm fresh'", d.Tree, st.Sync.Tree))
	}
	if w := portageBlocker(r, d); w != "" {
		why = append(why, w)
	}
	if w := StaleRelease(r, d); w != "" {
		why = append(why, w)
	}
	return why
}

// staleTree reports whether d's portage tree differs from the one the queue
// was computed against. A drone that does not say is given the benefit of
// the doubt; status lists it.
func staleTree(st *projections.State, d *projections.Drone) bool {
	return st.Sync.Tree != "" && d.Tree != "" && d.Tree != st.Sync.Tree
}

// packageBlocker says why drone d may not take package p (d itself able).
func packageBlocker(r Rules, st *projections.State, d *projections.Drone, p *projections.Package,
	exclusions []projections.Exclusion, now time.Time) string {
	for _, pattern := range r.Exclude {
		if projections.MatchPattern(pattern, p.Atom) {
			return fmt.Sprintf("excluded by config.toml [exclude] pattern %q", pattern)
		}
	}
	for _, x := range exclusions {
		if x.Drone == d.ID && projections.MatchPattern(x.Pattern, p.Atom) {
			return fmt.Sprintf("excluded on this drone by %q%s", x.Pattern, because(x.Reason))
		}
	}
	if !d.Can(p.Requires) {
		return fmt.Sprintf("needs capabilities %v; the drone has %v", p.Requires, d.Capabilities)
	}
	returned, failed := slices.Contains(p.ReturnedBy, d.ID), slices.Contains(p.FailedOn, d.ID)
	nostart := slices.Contains(p.StartFailedOn, d.ID)
	if (returned || failed || nostart) && capableOthers(r, st, p, d.ID, now) > 0 {
		what := "the drone failed it"
		switch {
		case nostart:
			what = "its build could not start on the drone"
		case returned:
			what = "the drone returned it"
		case p.Stalls > 0:
			what = fmt.Sprintf("the drone failed it (stalled %d times so far)", p.Stalls)
		}
		return fmt.Sprintf("avoided: %s and another capable drone is able", what)
	}
	if p.LastFailure == portage.SigOOM && len(p.FailedOn) > 0 {
		if last, ok := st.Drone(p.FailedOn[len(p.FailedOn)-1]); ok && d.MemoryMB <= last.MemoryMB &&
			biggerOther(r, st, p, d, last.MemoryMB, now) {
			return fmt.Sprintf("ran out of memory on %s (%d MB): a drone with more memory goes first", last.ID, last.MemoryMB)
		}
	}
	return ""
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

// capableOthers counts the drones other than except that could claim at
// now and have the capabilities p needs.
func capableOthers(r Rules, st *projections.State, p *projections.Package, except string, now time.Time) int {
	n := 0
	for o := range st.Drones() {
		if o.ID != except && droneBlocker(r, st, o, now) == "" && o.Can(p.Requires) {
			n++
		}
	}
	return n
}

// biggerOther reports whether a drone other than d with more than mb of
// memory could build p now.
func biggerOther(r Rules, st *projections.State, p *projections.Package, d *projections.Drone, mb uint64, now time.Time) bool {
	for o := range st.Drones() {
		if o.ID != d.ID && o.MemoryMB > mb && droneBlocker(r, st, o, now) == "" && o.Can(p.Requires) {
			return true
		}
	}
	return false
}
