package projections

import (
	"slices"

	"github.com/swarm-build/swarm/events"
)

// Exclusions: a queue-wide one (no drone) moves every matching package that
// is waiting or failed to excluded, and keeps matching newcomers out; a
// package it catches mid-build finishes that attempt and is excluded when it
// would otherwise wait again. Removing it (included) makes the packages no
// other exclusion matches wait again as needed, whatever they were before,
// with their attempts kept. A per-drone exclusion changes no package: it is
// a routing rule for the deciders, kept here so they can read it.

func (s *State) exclude(e *events.Event) bool {
	pattern := exclusionPattern(e)
	if pattern == "" || s.exclusionIndex(pattern, e.Drone) >= 0 {
		return false
	}
	s.exclusions = append(s.exclusions, Exclusion{Pattern: pattern, Drone: e.Drone, Reason: e.Reason, Seq: e.Seq})
	if e.Drone != "" {
		return true
	}
	m := compilePattern(pattern)
	for _, p := range s.packages {
		if !m.match(p.Atom) {
			continue
		}
		p.excluded = true
		if p.State == Needed || p.State == Failed || p.State == Blocked {
			s.setState(p, Excluded)
		}
	}
	return true
}

func (s *State) include(e *events.Event) bool {
	pattern := exclusionPattern(e)
	i := s.exclusionIndex(pattern, e.Drone)
	if i < 0 {
		return false
	}
	s.exclusions = slices.Delete(s.exclusions, i, i+1)
	if e.Drone != "" {
		return true
	}
	m := compilePattern(pattern)
	for _, p := range s.packages {
		if !p.excluded || !m.match(p.Atom) {
			continue
		}
		p.excluded = s.excludedAtom(p.Atom)
		if p.State == Excluded && !p.excluded {
			s.setState(p, s.waiting(p))
		}
	}
	return true
}

// exclusionPattern is the pattern an excluded or included event names; a
// single package may be named by its atom instead.
func exclusionPattern(e *events.Event) string {
	if e.Pattern != "" {
		return e.Pattern
	}
	return e.Atom
}

func (s *State) exclusionIndex(pattern, drone string) int {
	for i, x := range s.exclusions {
		if x.Pattern == pattern && x.Drone == drone {
			return i
		}
	}
	return -1
}

// excludedAtom reports whether a queue-wide exclusion matches atom.
func (s *State) excludedAtom(atom string) bool {
	for _, x := range s.exclusions {
		if x.Drone == "" && MatchPattern(x.Pattern, atom) {
			return true
		}
	}
	return false
}
