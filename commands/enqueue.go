package commands

import (
	"fmt"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/projections"
)

// Actors that are not drones.
const (
	ActorOperator     = "operator"
	ActorOrchestrator = "orchestrator"
)

// ParseAtoms validates every package first and returns their queue keys, so
// one bad atom rejects the whole command before anything is decided.
func ParseAtoms(atoms []string) ([]string, error) {
	keys := make([]string, 0, len(atoms))
	for _, a := range atoms {
		p, err := portage.ParsePackage(a)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadAtom, err)
		}
		keys = append(keys, p.Key())
	}
	return keys, nil
}

// Enqueue adds packages to the queue. Every atom is validated first: one bad
// atom and nothing is appended. A package already waiting or building is
// skipped (a no-op, not an error); a built or failed one is queued again.
// All new packages go in one append, so a large enqueue is atomic.
func Enqueue(actor string, atoms []string) Decider { return EnqueueRouted(actor, atoms, Routing{}) }

// EnqueueRouted is Enqueue with capability routing: each package's enqueued
// event records the capabilities a drone needs to build it.
func EnqueueRouted(actor string, atoms []string, routing Routing) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		keys, err := ParseAtoms(atoms)
		if err != nil {
			return nil, err
		}
		var evs []events.Event
		seen := make(map[string]bool, len(keys))
		for _, k := range keys {
			if seen[k] || Queued(st, k) {
				continue
			}
			seen[k] = true
			evs = append(evs, events.Event{Type: events.TypeEnqueued, Actor: actor, Atom: k,
				Capabilities: routing.Requires(k, nil, nil)})
		}
		return evs, nil
	}
}

// Queued reports whether a package is waiting or being built, so enqueueing
// it again would change nothing.
func Queued(st *projections.State, atom string) bool {
	p, ok := st.Package(atom)
	return ok && (p.State == projections.Needed || p.State == projections.Building)
}

// Pause stops dispatching, with a reason that status shows.
func Pause(actor, reason string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if st.Paused != nil {
			return nil, fmt.Errorf("%w (since %s: %s)", ErrAlreadyPaused,
				st.Paused.Since.Format("2006-01-02 15:04"), st.Paused.Reason)
		}
		if reason == "" {
			reason = "paused by " + actor
		}
		return []events.Event{{Type: events.TypeQueuePaused, Actor: actor, Reason: reason}}, nil
	}
}

// Resume restarts dispatching.
func Resume(actor string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if st.Paused == nil {
			return nil, ErrNotPaused
		}
		return []events.Event{{Type: events.TypeQueueResumed, Actor: actor}}, nil
	}
}
