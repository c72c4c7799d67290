package commands

import (
	"fmt"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Maintain is the orchestrator's periodic sweep at now: drones silent for
// OfflineAfter go offline and their work is reclaimed; claims whose lease
// ran out, or whose build has printed nothing for StallAfter, are
// reclaimed; groundings whose cooldown is over are lifted. It yields no
// events when nothing is due.
//
// since is when this orchestrator started: nobody could heartbeat or renew
// while it was down, so silence and leases are counted from no earlier than
// then. Without it a restart would reclaim the whole farm's work at once.
func Maintain(r Rules, now, since time.Time) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		var evs []events.Event
		done := make(map[string]bool) // atoms reclaimed in this sweep
		for d := range st.Drones() {
			if d.Grounded && !d.GroundedUntil.IsZero() && !now.Before(d.GroundedUntil) {
				evs = append(evs, events.Event{Type: events.TypeUngrounded, Actor: ActorOrchestrator, Drone: d.ID,
					Reason: "cooldown over"})
			}
			offline := d.Online && r.Heartbeat > 0 && now.Sub(later(d.LastSeen, since)) > r.OfflineAfter()
			if offline {
				evs = append(evs, events.Event{Type: events.TypeDroneOffline, Actor: ActorOrchestrator, Drone: d.ID,
					Reason: fmt.Sprintf("no heartbeat for %s", now.Sub(later(d.LastSeen, since)).Round(time.Millisecond))})
			}
			for _, atom := range d.Tasks {
				p, _ := st.Package(atom)
				reason := ""
				switch {
				case offline:
					reason = "drone " + d.ID + " offline"
				case now.After(later(p.LeaseUntil, since.Add(p.Lease))):
					reason = "lease expired"
				case r.StallAfter > 0 && now.Sub(later(p.ProgressAt, since)) > r.StallAfter:
					reason = fmt.Sprintf("stalled: no build output for %s", r.StallAfter)
				default:
					continue
				}
				if !done[atom] {
					done[atom] = true
					evs = append(evs, reclaim(p, reason))
				}
			}
		}
		return evs, nil
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
