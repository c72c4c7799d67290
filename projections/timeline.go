package projections

import "github.com/swarm-build/swarm/events"

// Concerns reports whether e is part of atom's story, for `swarm replay
// --explain` and `swarm log --atom`: it names the atom, or it is an
// exclusion (or its removal) whose pattern matches it.
func Concerns(e *events.Event, atom string) bool {
	if e.Atom == atom {
		return true
	}
	switch e.Type {
	case events.TypeExcluded, events.TypeIncluded:
		return e.Pattern != "" && MatchPattern(e.Pattern, atom)
	}
	return false
}
