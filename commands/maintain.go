package commands

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Maintain is the orchestrator's periodic sweep at now: drones silent for
// OfflineAfter go offline and their work is reclaimed; claims whose lease
// ran out are reclaimed; builds that made no progress for StallAfter are
// failed; groundings whose cooldown is over are lifted. It yields no events
// when nothing is due.
//
// Whose fault a lost claim is decides what it costs. A drone that went
// offline, and a lease that ran out, are the drone's or the network's (a
// claim whose answer never reached the drone lapses while the drone
// heartbeats on): the package is reclaimed, no attempt, no strike. A stall
// is the build's: the drone is alive and says the build runs, but it has
// made no progress (api.Task.Progress: output, CPU time, build.log) for
// StallAfter. It is a failure with signature "stalled" on that drone, by
// the failure rules (failure.go): an attempt and a strike, the breaker and
// the two-drone rule apply, and the dispatcher gives it to another drone
// first. Without that a stalled build was reclaimed and claimed straight
// back by the same drone, forever.
//
// since is when this orchestrator started: nobody could heartbeat or renew
// while it was down, so silence and leases are counted from no earlier than
// then. Without it a restart would reclaim the whole farm's work at once.
//
// live is what heartbeats said since then (see Liveness): a drone's last
// heartbeat, a build's last report and progress. None of it is in the log;
// what Maintain decides from it is, with its reason, so a replay needs none
// of it. Nil judges from the log alone.
func Maintain(r Rules, now, since time.Time, live *Liveness) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		var evs []events.Event
		done := make(map[string]bool) // atoms reclaimed or failed in this sweep
		var cur *projections.State    // st with this sweep's events, from its first stall on
		// In the drones' order, not the map's: a sweep's events, and the
		// decisions each stall sees before it, are the same every time.
		drones := slices.SortedFunc(st.Drones(), func(a, b *projections.Drone) int { return strings.Compare(a.ID, b.ID) })
		for _, d := range drones {
			if d.Grounded && !d.GroundedUntil.IsZero() && !now.Before(d.GroundedUntil) {
				evs = append(evs, events.Event{Type: events.TypeUngrounded, Actor: ActorOrchestrator, Drone: d.ID,
					Reason: "cooldown over"})
			}
			heard := live.heardAt(*d, since)
			offline := d.Online && r.Heartbeat > 0 && now.Sub(heard) > r.OfflineAfter()
			if offline {
				evs = append(evs, events.Event{Type: events.TypeDroneOffline, Actor: ActorOrchestrator, Drone: d.ID,
					Reason: fmt.Sprintf("no heartbeat for %s", now.Sub(heard).Round(time.Millisecond))})
			}
			for _, atom := range d.Tasks {
				if done[atom] {
					continue
				}
				p, _ := st.Package(atom)
				switch {
				case offline:
					evs = append(evs, reclaim(p, "drone "+d.ID+" offline"))
				case now.After(live.leaseUntil(p, since)):
					evs = append(evs, reclaim(p, "lease expired"))
				case r.StallAfter > 0 && now.Sub(live.progressAt(p, since)) > r.StallAfter:
					// Each stall is judged against the state this sweep's
					// earlier decisions leave (a streak one longer, a pause
					// already decided), not the state before the sweep.
					if cur == nil {
						cur = st.Clone()
						applyAt(cur, now, evs)
					}
					sevs := stalled(r, now, cur, p)
					applyAt(cur, now, sevs)
					evs = append(evs, sevs...)
				default:
					continue
				}
				for _, e := range evs {
					if e.Type == events.TypeReclaimed || e.Type == events.TypeFailed {
						done[e.Atom] = true
					}
				}
			}
		}
		live.forget(st)
		return evs, nil
	}
}

// stalled fails p's build for making no progress, as the orchestrator's
// judgment rather than the drone's report.
func stalled(r Rules, now time.Time, st *projections.State, p projections.Package) []events.Event {
	f := Failure{Signature: projections.SignatureStalled,
		Reason: fmt.Sprintf("stalled: no build progress (output, CPU time, build.log) for %s", r.StallAfter)}
	evs := failureEvents(r, now, st, p, f)
	evs[0].Actor = ActorOrchestrator
	return evs
}

// applyAt folds evs, as if appended at now, into a scratch copy of the
// state.
func applyAt(st *projections.State, now time.Time, evs []events.Event) {
	for i := range evs {
		e := evs[i]
		e.Time = now
		st.Apply(&e)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
