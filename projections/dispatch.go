package projections

import (
	"cmp"
	"iter"
	"slices"
	"time"
)

// The read models the dispatcher needs on every claim, kept incrementally so
// a claim costs O(log n) to find its place rather than a scan of the queue:
// the ready packages in dispatch order, and the recent failures the
// systemic-failure rule looks at.

// queued is one ready package in the dispatch order: the longest remaining
// critical path first (the scheduler's priority, decided when the queue was
// filled), then the order packages joined the queue.
type queued struct {
	prio time.Duration
	seq  uint64 // its EnqueuedSeq: unique per package
	atom string
}

func (a queued) compare(b queued) int {
	return cmp.Or(cmp.Compare(b.prio, a.prio), cmp.Compare(a.seq, b.seq))
}

func keyOf(p *Package) queued { return queued{p.Priority, p.EnqueuedSeq, p.Atom} }

// addNeeded and dropNeeded keep s.needed in step with the packages that are
// needed and ready (every dependency built); only setState, the dependency
// bookkeeping (deps.go), enqueued, dequeued and the decoder call them.
func (s *State) addNeeded(p *Package) {
	if p.unmet > 0 {
		return
	}
	s.needed.insert(keyOf(p))
}

func (s *State) dropNeeded(p *Package) {
	s.needed.remove(keyOf(p))
}

// rebuildNeeded recomputes the index from the packages (after a decode),
// and the count of packages that require capabilities.
func (s *State) rebuildNeeded() {
	var keys []queued
	s.requiring = 0
	for _, p := range s.packages {
		if len(p.Requires) > 0 {
			s.requiring++
		}
		if p.State == Needed && p.unmet == 0 {
			keys = append(keys, keyOf(p))
		}
	}
	slices.SortFunc(keys, queued.compare)
	s.needed.build(keys)
}

// Needed yields the packages ready for a drone (needed, every dependency
// built) in dispatch order: the longest remaining critical path first, then
// the oldest in the queue. A package that failed or was returned keeps its
// place. The packages are the State's own: read them, do not modify them,
// and do not keep them past the State's next Apply.
func (s *State) Needed() iter.Seq[*Package] {
	return func(yield func(*Package) bool) {
		for _, c := range s.needed.chunks {
			for _, q := range c {
				if p := s.packages[q.atom]; p != nil && !yield(p) {
					return
				}
			}
		}
	}
}

// Drones yields every known drone in no particular order; like Needed, they
// are the State's own and read-only.
func (s *State) Drones() iter.Seq[*Drone] {
	return func(yield func(*Drone) bool) {
		for _, d := range s.drones {
			if !yield(d) {
				return
			}
		}
	}
}

// DroneRef is drone id as the State holds it, not copied as Drone copies
// it: the dispatcher looks up every asking drone in every round. Like
// Drones, it is the State's own and read-only.
func (s *State) DroneRef(id string) (*Drone, bool) {
	d := s.drones[id]
	return d, d != nil
}

// PackageRef returns package atom itself, not a copy as Package does: read
// it, never modify it, and do not keep it past the decision (the State
// changes it as events are folded).
func (s *State) PackageRef(atom string) (*Package, bool) {
	p := s.packages[atom]
	return p, p != nil
}

// ClaimedAt is when package atom was last claimed (the zero Time for a
// package the State does not hold), without copying the package as Package
// does: the dispatcher's lookahead asks it for every busy drone's builds.
func (s *State) ClaimedAt(atom string) time.Time {
	if p := s.packages[atom]; p != nil {
		return p.ClaimedAt
	}
	return time.Time{}
}

// FailureMark is one recent failed build, for the systemic-failure rule.
type FailureMark struct {
	Time      time.Time
	Drone     string
	Atom      string
	Signature string
}

// maxFailureMarks bounds the failures kept: the rule looks at a window of
// minutes, and a farm failing faster than this many builds per window is
// systemic by any measure.
const maxFailureMarks = 512

func (s *State) markFailure(m FailureMark) {
	if len(s.failures) >= maxFailureMarks {
		n := copy(s.failures, s.failures[len(s.failures)-maxFailureMarks+1:])
		s.failures = s.failures[:n]
	}
	s.failures = append(s.failures, m)
}

// RecentFailures returns the last failed builds that carried a signature,
// oldest first (at most a few hundred). The slice is the State's own.
func (s *State) RecentFailures() []FailureMark { return s.failures }
