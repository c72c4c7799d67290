package projections

import (
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
)

// Dependencies. A package's Deps are the queued packages it needs built
// first (decided when the queue was filled, from the tree's metadata). A
// dependency is met when it is built or not in the queue at all (installed,
// or on the binhost); a package with an unmet one stays needed but is not
// offered to drones. dependents maps an atom to the packages that wait for
// it, so a completion makes its dependents ready in O(their count).

// met reports whether dependency dep no longer holds anything back.
func (s *State) met(dep string) bool {
	q := s.packages[dep]
	return q == nil || q.State == Built
}

// countUnmet counts p's dependencies not yet met.
func (s *State) countUnmet(p *Package) int32 {
	var n int32
	for _, d := range p.Deps {
		if !s.met(d) {
			n++
		}
	}
	return n
}

// Unmet returns p's dependencies not yet met, in p's order.
func (s *State) Unmet(p *Package) []string {
	var out []string
	for _, d := range p.Deps {
		if !s.met(d) {
			out = append(out, d)
		}
	}
	return out
}

// setDeps replaces p's dependencies (from an enqueued event's, copied).
func (s *State) setDeps(p *Package, deps []string) {
	for _, d := range p.Deps {
		s.dependents[d] = slices.DeleteFunc(s.dependents[d], func(a string) bool { return a == p.Atom })
		if len(s.dependents[d]) == 0 {
			delete(s.dependents, d)
		}
	}
	p.Deps = nil
	if len(deps) > 0 {
		p.Deps = slices.Clone(deps)
	}
	for _, d := range p.Deps {
		s.dependents[d] = append(s.dependents[d], p.Atom)
	}
	s.recheck(p)
	s.depsChanged(p) // its entry in the pending list shares the Deps
}

// recheck recounts p's unmet dependencies and moves it in or out of the
// dispatch order when its readiness changed.
func (s *State) recheck(p *Package) {
	n := s.countUnmet(p)
	if n == p.unmet {
		return
	}
	if p.State == Needed && p.unmet == 0 {
		s.dropNeeded(p) // it was ready
	}
	p.unmet = n
	if p.State == Needed {
		s.addNeeded(p) // a no-op unless it is ready now
	}
}

// depChanged rechecks the packages that wait for atom, after atom was
// built, queued again, added or removed.
func (s *State) depChanged(atom string) {
	for _, a := range s.dependents[atom] {
		if p := s.packages[a]; p != nil {
			s.recheck(p)
		}
	}
}

// rebuildDeps recomputes dependents and readiness from the packages (after
// a decode).
func (s *State) rebuildDeps() {
	clear(s.dependents)
	for _, p := range s.packages {
		for _, d := range p.Deps {
			s.dependents[d] = append(s.dependents[d], p.Atom)
		}
	}
	for _, p := range s.packages {
		p.unmet = s.countUnmet(p)
	}
}

// reprioritized gives a queued package the priority planned again with
// newer build times (history import), keeping its place in the dispatch
// order true.
func (s *State) reprioritized(e *events.Event) bool {
	p := s.packages[e.Atom]
	if p == nil {
		return false
	}
	needed := p.State == Needed
	if needed {
		s.dropNeeded(p)
	}
	p.Priority = time.Duration(e.Priority) * time.Millisecond
	if needed {
		s.addNeeded(p)
	}
	return true
}
