package commands

import (
	"fmt"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Ground is the manual circuit breaker: drone may claim nothing until until
// (zero: until ungrounded), and its claims go back to the queue now. A drone
// admitted but never seen may be grounded before it first shows up.
func Ground(actor, drone string, until time.Time, reason string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if drone == "" {
			return nil, fmt.Errorf("ground: %w: empty id", ErrUnknownDrone)
		}
		evs := []events.Event{{Type: events.TypeGrounded, Actor: actor, Drone: drone, Until: until, Reason: reason}}
		if d, ok := st.Drone(drone); ok {
			for _, atom := range d.Tasks {
				p, _ := st.Package(atom)
				evs = append(evs, reclaim(p, "drone "+drone+" grounded"))
			}
		}
		return evs, nil
	}
}

// Unground lifts a grounding now.
func Unground(actor, drone string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		d, ok := st.Drone(drone)
		if !ok || !d.Grounded {
			return nil, fmt.Errorf("unground %s: %w", drone, ErrNotGrounded)
		}
		return []events.Event{{Type: events.TypeUngrounded, Actor: actor, Drone: drone, Reason: "ungrounded by " + actor}}, nil
	}
}
