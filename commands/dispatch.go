package commands

import (
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Grant is one claim request's answer from a dispatch round: a package, or
// why there is none.
type Grant struct {
	Drone    string
	Atom     string // "" when nothing was granted
	Fence    uint64
	Attempt  uint32
	Lease    time.Duration
	Expected time.Duration // the package's last successful build time; 0: unknown
	Reason   string        // why nothing was granted
	Err      error         // ErrUnknownDrone when the drone must register first
}

// Dispatch answers a round of claim requests at once: requests[i] is the
// drone that asked (a drone with several free slots may ask several times).
// Deciding them together lets the orchestrator append one batch, sharing one
// fsync, instead of one per claim. grants receives one Grant per request.
//
// A drone gets work when it is registered, online, not grounded, healthy and
// has a free slot, and dispatching is not paused. It gets the oldest needed
// package it may build: not excluded for it, and not one it returned or
// failed while another drone able to build exists (so a sick drone's work is
// routed elsewhere). The fencing token is the claim event's own seq.
func Dispatch(r Rules, now time.Time, requests []string, grants *[]Grant) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		out := make([]Grant, len(requests))
		var evs []events.Event
		taken := make(map[string]bool)
		asked := make(map[string]int) // grants so far per drone, against its slots
		var exclusions []projections.Exclusion
		for _, x := range st.Exclusions() {
			if x.Drone != "" {
				exclusions = append(exclusions, x)
			}
		}
		ableCache := make(map[string]int)
		for i, id := range requests {
			g := &out[i]
			g.Drone = id
			d, ok := st.Drone(id)
			switch {
			case !ok:
				g.Err, g.Reason = fmt.Errorf("claim by %s: %w", id, ErrUnknownDrone), "not registered"
				continue
			case st.Paused != nil:
				g.Reason = "paused: " + st.Paused.Reason
				continue
			case !d.Online:
				g.Reason = "offline: heartbeat first"
				continue
			case d.GroundedAt(now):
				g.Reason = "grounded: " + d.GroundReason
				continue
			case d.Health != "" && d.Health != projections.Healthy:
				g.Reason = string(d.Health) + ": claims nothing until healthy"
				continue
			case d.SlotsFree()-asked[id] <= 0:
				g.Reason = fmt.Sprintf("all %d slots busy", max(d.Slots, 1))
				continue
			}
			others, seen := ableCache[id]
			if !seen {
				others = able(st, now, id)
				ableCache[id] = others
			}
			var pick *projections.Package
			skipped := 0
			for p := range st.Needed() {
				if taken[p.Atom] {
					continue
				}
				if excludedFor(exclusions, id, p.Atom) ||
					(others > 0 && (slices.Contains(p.ReturnedBy, id) || slices.Contains(p.FailedOn, id))) {
					skipped++
					continue
				}
				pick = p
				break
			}
			if pick == nil {
				g.Reason = "queue empty"
				if skipped > 0 {
					g.Reason = fmt.Sprintf("nothing this drone may build: %d needed packages are excluded for it or were returned or failed by it", skipped)
				}
				continue
			}
			taken[pick.Atom] = true
			asked[id]++
			g.Atom, g.Fence, g.Attempt = pick.Atom, st.Seq+uint64(len(evs))+1, pick.Attempts+1
			g.Lease, g.Expected = r.Lease, pick.BuildTime
			evs = append(evs, events.Event{Type: events.TypeClaimed, Actor: ActorOrchestrator, Atom: pick.Atom,
				Drone: id, Fence: g.Fence, Lease: r.Lease, Attempt: g.Attempt})
		}
		if grants != nil {
			*grants = out
		}
		return evs, nil
	}
}

func excludedFor(list []projections.Exclusion, drone, atom string) bool {
	for _, x := range list {
		if x.Drone == drone && projections.MatchPattern(x.Pattern, atom) {
			return true
		}
	}
	return false
}
