package projections

import "github.com/swarm-build/swarm/events"

// Routine tells the heartbeat-level events of a log apart from the ones
// an operator reads it for. A drone's heartbeat used to be recorded every
// time (a drone_health with its samples, a lease_renewed per build it
// held), so `swarm log -n 20` showed eighteen heartbeats; logs written
// since still carry periodic resource samples. Routine is fed every event
// in order, as the log is read, and says which ones only repeat what was
// known: a lease renewal, and a drone_health that changes neither the
// drone's health nor its portage configuration.
type Routine struct {
	health map[string]string // drone -> last health recorded
}

// Is reports whether e is routine, and notes what it says for the events
// after it. Every event must be passed, filtered or not.
func (r *Routine) Is(e *events.Event) bool {
	if r.health == nil {
		r.health = make(map[string]string)
	}
	switch e.Type {
	case events.TypeLeaseRenewed:
		return true
	case events.TypeDroneRegistered:
		r.health[e.Drone] = e.Health
	case events.TypeDroneHealth:
		prev, seen := r.health[e.Drone]
		r.health[e.Drone] = e.Health
		return seen && prev == e.Health && e.Fingerprint == "" && len(e.Portage) == 0
	}
	return false
}
