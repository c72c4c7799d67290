package commands

import (
	"slices"

	"github.com/swarm-build/swarm/projections"
)

// Routing holds the capability rules of config.toml's [capabilities]: what
// a drone must be able to do to build a package. The requirement is decided
// when a package is enqueued and recorded in its enqueued event, so the
// queue and a replay agree on it whatever the configuration says later.
type Routing struct {
	Packages map[string][]string // package pattern → capabilities
	USE      map[string][]string // USE flag → capabilities
}

// Requires returns the capabilities atom needs, built with the USE flags
// use, sorted and without repeats; nil when it needs none.
func (r Routing) Requires(atom string, use []string) []string {
	var need []string
	for pattern, caps := range r.Packages {
		if projections.MatchPattern(pattern, atom) {
			need = append(need, caps...)
		}
	}
	for _, flag := range use {
		need = append(need, r.USE[flag]...)
	}
	if len(need) == 0 {
		return nil
	}
	slices.Sort(need)
	return slices.Compact(need)
}
