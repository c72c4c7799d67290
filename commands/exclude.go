package commands

import (
	"fmt"
	"path"
	"strings"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// CheckPattern validates an exclusion pattern: a package (cat/name), a
// version, or a glob over either (cat/*, */*-bin).
func CheckPattern(pattern string) error {
	if _, err := path.Match(pattern, ""); err != nil || !strings.Contains(pattern, "/") ||
		strings.ContainsAny(pattern, " \t\n") {
		return fmt.Errorf("%w: %q (want cat/name, cat/* or another glob with a category)", ErrBadPattern, pattern)
	}
	return nil
}

// Exclude keeps packages matching pattern out of the queue, or, with a
// drone, off that drone only. A package caught mid-build finishes that
// attempt.
func Exclude(actor, pattern, drone, reason string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if err := CheckPattern(pattern); err != nil {
			return nil, err
		}
		for _, x := range st.Exclusions() {
			if x.Pattern == pattern && x.Drone == drone {
				return nil, fmt.Errorf("%s%s: %w", pattern, onDrone(drone), ErrAlreadyExcluded)
			}
		}
		return []events.Event{{Type: events.TypeExcluded, Actor: actor, Pattern: pattern, Drone: drone, Reason: reason}}, nil
	}
}

// Include removes an exclusion added by Exclude.
func Include(actor, pattern, drone string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		for _, x := range st.Exclusions() {
			if x.Pattern == pattern && x.Drone == drone {
				return []events.Event{{Type: events.TypeIncluded, Actor: actor, Pattern: pattern, Drone: drone}}, nil
			}
		}
		return nil, fmt.Errorf("%s%s: %w", pattern, onDrone(drone), ErrNotExcluded)
	}
}

func onDrone(drone string) string {
	if drone == "" {
		return ""
	}
	return " on " + drone
}
