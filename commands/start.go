package commands

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// The causes a drone gives for a build that could not start (api.FailRequest
// Start). A drone that predates them reports the signature SigStartFailed
// alone, which reads as StartOther.
const (
	StartNameTooLong = "name-too-long"     // a path made from the atom is too long: the package's
	StartNotFound    = "not-found"         // the build program (or a folder) is missing
	StartPermission  = "permission-denied" // the drone may not run or write something
	StartOther       = "other"
	// SigStartFailed is the signature drones send with a start failure.
	SigStartFailed = "start-failed"
)

// startFailuresToGround is how many distinct packages a drone may fail to
// start in a row before it is judged misconfigured and grounded: one could
// be the package's fault, two that share nothing but the drone are not.
const startFailuresToGround = 2

// isStartFailure reports whether a drone's failure report is a build that
// never started, rather than one that ran and failed.
func isStartFailure(f Failure) bool {
	return f.Start != "" || f.Signature == SigStartFailed
}

// startFailureEvents decides a build of p that could not even start on its
// drone at now. Nothing was built, so it is no attempt, no strike and no
// failure mark: it never counts toward the breaker or a systemic pause
// (an atom too long for a file name once grounded every drone and then
// paused the farm). Instead one judgment, reported once:
//
//   - the package's problem, when the cause is a name too long (the atom
//     made the path), it could not start on FailAfterDrones distinct
//     drones, or twice on this one (no other drone could take it): it is
//     held blocked with the reason until it is queued again;
//   - else it goes back to the queue, avoided on this drone;
//   - and, unless the name was too long, a drone that could not start
//     startFailuresToGround distinct packages in a row is misconfigured
//     (the build program missing there): it alone is grounded for
//     GroundFor with the reason, never the farm.
func startFailureEvents(r Rules, now time.Time, st *projections.State, p projections.Package, f Failure) []events.Event {
	drone := p.Drone
	cause := f.Start
	switch cause {
	case StartNameTooLong, StartNotFound, StartPermission:
	default: // an old drone's, or one this release does not know
		cause = StartOther
	}
	why := f.Reason
	if why == "" {
		why = cause
	}
	ev := events.Event{Type: events.TypeStartFailed, Actor: drone, Atom: p.Atom, Drone: drone, Fence: p.Fence,
		Signature: SigStartFailed, Reason: fmt.Sprintf("could not start on %s (%s): %s", drone, cause, why),
		Excerpt: f.Excerpt}
	on := p.StartFailedOn
	if !slices.Contains(on, drone) {
		on = append(slices.Clone(on), drone)
	}
	again := slices.Contains(p.StartFailedOn, drone) // it got it back: nobody else could
	if cause == StartNameTooLong || again || (r.FailAfterDrones > 0 && len(on) >= r.FailAfterDrones) {
		ev.Final = true
		ev.Reason = fmt.Sprintf("held: its build could not start on %s (%s): %s; "+
			"'swarm enqueue %s' or a fresh that wants it releases it", strings.Join(on, ", "), cause, why, p.Atom)
	}
	evs := []events.Event{ev}
	if cause == StartNameTooLong {
		return evs // the atom's fault alone
	}
	return append(evs, misconfigured(r, now, st, p, cause, why)...)
}

// misconfigured grounds p's drone when p is the startFailuresToGround-th
// distinct package in a row it could not start.
func misconfigured(r Rules, now time.Time, st *projections.State, p projections.Package, cause, why string) []events.Event {
	drone := p.Drone
	d, ok := st.Drone(drone)
	if !ok || r.GroundFor <= 0 {
		return nil
	}
	failed := d.StartFailures
	if !slices.Contains(failed, p.Atom) {
		failed = append(slices.Clone(failed), p.Atom)
	}
	if len(failed) < startFailuresToGround {
		return nil
	}
	evs := []events.Event{{Type: events.TypeGrounded, Actor: ActorOrchestrator, Drone: drone,
		Until: now.Add(r.GroundFor), Reason: fmt.Sprintf("cannot start builds: %d packages in a row (%s) did not start (%s): %s; "+
			"fix the drone's configuration, then 'swarm unground %s'", len(failed), strings.Join(failed, ", "), cause, why, drone)}}
	for _, atom := range d.Tasks {
		if atom != p.Atom {
			q, _ := st.Package(atom)
			evs = append(evs, reclaim(q, "drone "+drone+" grounded"))
		}
	}
	return evs
}
