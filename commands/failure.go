package commands

import (
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// The failure rules, in the order they are judged. Each exists because of
// an incident (DESIGN.md):
//
//  1. Systemic failure. When one signature hits most of the online fleet
//     within a window and those drones built nothing since, the fault is the
//     farm's (a stale tree: every build a slot conflict), not the drones'.
//     Dispatching pauses with a reason naming the signature, the package is
//     not marked failed, and nobody is grounded. Grounding every drone is
//     what the old breaker did, protecting the farm into paralysis.
//  2. Package failure. A package that has now failed on FailAfterDrones
//     distinct drones is failed (Final), and its failures are struck from
//     every drone's streak: one bad package must not ground good drones.
//  3. Circuit breaker. A drone whose streak reaches GroundAfter is grounded
//     for GroundFor and its other claims go back to the queue. When it was
//     the last drone able to build, the grounding's reason says so, and
//     status reports what can no longer be built.

// failureEvents decides a failed build of p (building on its drone under
// the current fence) at now.
func failureEvents(r Rules, now time.Time, st *projections.State, p projections.Package, f Failure) []events.Event {
	drone := p.Drone
	failed := events.Event{Type: events.TypeFailed, Actor: drone, Atom: p.Atom, Drone: drone, Fence: p.Fence,
		Signature: f.Signature, Reason: f.Reason, Excerpt: f.Excerpt}

	if f.Signature != "" && st.Paused != nil && st.Paused.Signature == f.Signature {
		return []events.Event{failed} // part of the systemic failure already paused for
	}
	if n, online, ok := systemic(r, now, st, drone, p.Atom, f.Signature); ok {
		evs := []events.Event{failed}
		// Packages this failure already marked failed before it was seen
		// to be systemic (the retry of the first failures went to a second
		// drone) were nobody's fault either: queue them again.
		again := map[string]bool{p.Atom: true}
		for _, m := range st.RecentFailures() {
			if m.Signature != f.Signature || m.Time.Before(now.Add(-r.SystemicWindow)) || again[m.Atom] {
				continue
			}
			again[m.Atom] = true
			if q, ok := st.Package(m.Atom); ok && q.State == projections.Failed {
				evs = append(evs, events.Event{Type: events.TypeEnqueued, Actor: ActorOrchestrator, Atom: m.Atom,
					Reason: "systemic failure, not the package's: queued again"})
			}
		}
		if st.Paused == nil {
			evs = append(evs, events.Event{Type: events.TypeQueuePaused, Actor: ActorOrchestrator,
				Signature: f.Signature,
				Reason: fmt.Sprintf("systemic failure: %q on %d of %d online drones within %s; no drone was grounded. "+
					"Fix the cause (often a stale tree: run 'swarm fresh'), then 'swarm resume'",
					f.Signature, n, online, r.SystemicWindow)})
		}
		return evs
	}

	distinct := len(p.FailedOn)
	if !slices.Contains(p.FailedOn, drone) {
		distinct++
	}
	if r.FailAfterDrones > 0 && distinct >= r.FailAfterDrones {
		failed.Final = true
		return []events.Event{failed}
	}

	d, ok := st.Drone(drone)
	if !ok || r.GroundAfter <= 0 || r.GroundFor <= 0 || len(d.Streak)+1 < r.GroundAfter {
		return []events.Event{failed}
	}
	last := f.Signature
	if last == "" {
		last = f.Reason
	}
	reason := fmt.Sprintf("circuit breaker: %d builds failed in a row (last: %s)", len(d.Streak)+1, last)
	if others := able(r, st, now, drone); others == 0 {
		reason += fmt.Sprintf("; it was the last drone able to build: %d packages wait", st.Count(projections.Needed)+len(d.Tasks))
	}
	evs := []events.Event{failed, {Type: events.TypeGrounded, Actor: ActorOrchestrator, Drone: drone,
		Until: now.Add(r.GroundFor), Reason: reason}}
	for _, atom := range d.Tasks {
		if atom == p.Atom {
			continue
		}
		q, _ := st.Package(atom)
		evs = append(evs, reclaim(q, "drone "+drone+" grounded"))
	}
	return evs
}

// systemic reports whether a failure with signature sig by drone on atom at
// now completes a systemic failure, with how many drones it hit out of the
// online fleet. Only the current window counts: the projection forgets the
// failures before a resume or a fresh (so resuming does not re-pause on the
// evidence it was resumed from), and drones that are offline now are not
// failing online drones.
func systemic(r Rules, now time.Time, st *projections.State, drone, atom, sig string) (hit, online int, ok bool) {
	if sig == "" || r.SystemicFraction <= 0 || r.SystemicWindow <= 0 {
		return 0, 0, false
	}
	// first is each drone's first failure with sig in the window.
	first := map[string]time.Time{drone: now}
	atoms := map[string]bool{atom: true}
	from := now.Add(-r.SystemicWindow)
	for _, m := range st.RecentFailures() {
		if m.Signature != sig || m.Time.Before(from) {
			continue
		}
		if t, seen := first[m.Drone]; !seen || m.Time.Before(t) {
			first[m.Drone] = m.Time
		}
		atoms[m.Atom] = true
	}
	for d := range st.Drones() {
		if d.Online {
			online++
		} else if d.ID != drone {
			// Gone since: it is not one of the online drones failing now.
			delete(first, d.ID)
		}
		// A drone that built something after its first such failure is not
		// failing at everything: its failures are its packages' own.
		if t, seen := first[d.ID]; seen && !d.LastBuilt.Before(t) {
			delete(first, d.ID)
		}
	}
	hit = len(first)
	need := max(2, int(float64(online)*r.SystemicFraction+0.999999))
	return hit, online, hit >= need && len(atoms) >= 2
}

// able counts the drones other than except that could claim at now, by
// the dispatcher's own rules (droneBlockers): online, not grounded,
// healthy, on the queue's tree, with the farm's portage settings.
func able(r Rules, st *projections.State, now time.Time, except string) int {
	n := 0
	for d := range st.Drones() {
		if d.ID != except && len(droneBlockers(r, st, d, now)) == 0 {
			n++
		}
	}
	return n
}
