package projections

import (
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
)

// PackageState is where a package stands in the queue.
type PackageState string

// The package states, as `swarm queue --state` names them.
const (
	Needed   PackageState = "needed"   // waiting for a drone
	Building PackageState = "building" // claimed; a drone holds a lease
	Built    PackageState = "built"    // a drone built it
	Failed   PackageState = "failed"   // failed on enough drones; not retried until re-enqueued
	Excluded PackageState = "excluded" // kept out by an exclusion pattern
	Blocked  PackageState = "blocked"  // no known drone has the capabilities it needs, or it is held (Held)
)

const numStates = 6

func (p PackageState) valid() bool {
	switch p {
	case Needed, Building, Built, Failed, Excluded, Blocked:
		return true
	}
	return false
}

// index numbers the states for the per-state counters.
func (p PackageState) index() int {
	switch p {
	case Needed:
		return 0
	case Building:
		return 1
	case Built:
		return 2
	case Failed:
		return 3
	case Excluded:
		return 4
	default:
		return 5
	}
}

// Package is one atom in the queue.
type Package struct {
	Atom           string
	State          PackageState
	Attempts       uint32        // failed builds so far (returns and reclaims do not count)
	Drone          string        // the current claimant, while building
	Fence          uint64        // the fencing token of the last claim
	Lease          time.Duration // the last claim's or renewal's lease
	ClaimedAt      time.Time     // when the current (or last) claim was made
	LeaseUntil     time.Time     // when the current claim lapses; zero unless building
	LastFailure    string        // the last failure's signature, else its reason
	LastFailureSeq uint64
	FailedOn       []string // distinct drones it failed on, in order
	ReturnedBy     []string // distinct drones that gave it back unbuilt, in order
	EnqueuedSeq    uint64   // when it joined the queue (kept across re-enqueues)
	BuiltBy        string
	BuiltSeq       uint64
	BuildTime      time.Duration // how long its last successful build took (claim to completion)
	Progress       uint64        // the claimant's last progress counter (api.Task.Progress)
	ProgressAt     time.Time     // when Progress last grew (or the claim began)
	// Held says why the package is blocked until it is queued again: its
	// build could not even start (a start_failed event that was Final).
	Held string
	// StartFailedOn are the distinct drones its build could not start on
	// since it was last queued.
	StartFailedOn []string
	// Stalls counts the builds of it that were failed for making no
	// progress, since it was last queued.
	Stalls   uint32
	Requires []string      // capabilities a drone needs to build it (from its enqueued event)
	Use      string        // USE flags it is to be built with (from its enqueued event)
	Deps     []string      // queued packages it needs built first
	Priority time.Duration // its remaining critical path, as the queue was planned

	unmet int32 // Deps not yet built (deps.go); only a package with none is offered
	// pendingAt is 1 + its place in the pending list while it is needed
	// or building, else 0; unpromotedAt the same in the unpromoted list
	// while it is built with no promoted build (index.go).
	pendingAt, unpromotedAt int32
	excluded                bool  // a queue-wide exclusion matches it
	binary                  bool  // it has a promoted build (hasBuild), as the index counts it (index.go)
	indexed                 uint8 // the status indexes it is in (inNoted, inFailed; index.go)
	// (The unexported fields are packed in 16 bytes: with the index's
	// three more a Package was 424 bytes, a size class up from 400.)
}

func (p *Package) clone() *Package {
	c := *p
	c.FailedOn = slices.Clone(p.FailedOn)
	c.ReturnedBy = slices.Clone(p.ReturnedBy)
	c.StartFailedOn = slices.Clone(p.StartFailedOn)
	c.Requires = slices.Clone(p.Requires)
	c.Deps = slices.Clone(p.Deps)
	return &c
}

// setState moves p to st, keeping the counters true.
func (s *State) setState(p *Package, st PackageState) {
	if p.State == Needed && st != Needed {
		s.dropNeeded(p)
	} else if st == Needed && p.State != Needed {
		s.addNeeded(p)
	}
	s.counts[p.State.index()]--
	s.counts[st.index()]++
	wasBuilt := p.State == Built
	p.State = st
	if wasBuilt != (st == Built) {
		s.depChanged(p.Atom)
	}
	s.reindex(p)
}

// requeue puts a package that is no longer building back where it waits:
// needed, or excluded if an exclusion has matched it meanwhile.
func (s *State) requeue(p *Package) {
	s.release(p)
	s.setState(p, s.waiting(p))
}

// waiting is the state p waits in when it is not building or done:
// excluded, blocked when no known drone could build it, else needed.
func (s *State) waiting(p *Package) PackageState {
	switch {
	case p.excluded:
		return Excluded
	case p.Held != "" || !s.buildable(p):
		return Blocked
	}
	return Needed
}

// buildable reports whether some known drone has every capability p needs.
func (s *State) buildable(p *Package) bool {
	if len(p.Requires) == 0 {
		return true
	}
	for _, d := range s.drones {
		if d.Can(p.Requires) {
			return true
		}
	}
	return false
}

// reblock moves waiting packages between needed and blocked after the
// fleet's capabilities changed (a drone registered).
//
// Only packages that require capabilities can move, so without any the
// walk is skipped: on a 100,000-package queue it cost 2 ms per drone, and
// a thousand drones registering after a restart held the store for 2 s.
func (s *State) reblock() {
	if s.requiring == 0 {
		return
	}
	for _, p := range s.packages {
		if len(p.Requires) == 0 || (p.State != Needed && p.State != Blocked) {
			continue
		}
		if w := s.waiting(p); w != p.State {
			s.setState(p, w)
		}
	}
}

// release ends p's current claim: the claimant's task list loses it.
// BuiltAt is when the package's last build completed (zero unless built):
// the completed event's time, as its claim's time plus its build time.
func (p *Package) BuiltAt() time.Time {
	if p.State != Built {
		return time.Time{}
	}
	return p.ClaimedAt.Add(p.BuildTime)
}

func (s *State) release(p *Package) {
	if d := s.drones[p.Drone]; d != nil {
		d.removeTask(p.Atom)
	}
	p.Drone = ""
	p.LeaseUntil = time.Time{}
}

func (s *State) enqueued(e *events.Event) bool {
	if e.Atom == "" {
		return false
	}
	p := s.packages[e.Atom]
	if p == nil {
		p = &Package{Atom: e.Atom, EnqueuedSeq: e.Seq, excluded: s.excludedAtom(e.Atom), Use: e.Use,
			Priority: time.Duration(e.Priority) * time.Millisecond}
		p.Requires = requires(e.Capabilities)
		if len(p.Requires) > 0 {
			s.requiring++
		}
		p.State = s.waiting(p)
		s.packages[e.Atom] = p
		s.counts[p.State.index()]++
		s.indexNew(p)
		s.setDeps(p, e.Deps) // before it joins the dispatch order: it may not be ready
		if p.State == Needed {
			s.addNeeded(p)
		}
		s.depChanged(e.Atom) // packages waiting for it were counting it as met
		return true
	}
	if p.State != Failed && p.State != Built && p.Held == "" {
		return false // already waiting, building, excluded or blocked
	}
	// Queued again: a hold and the start failures and stalls that led to
	// it are forgotten.
	p.Held, p.StartFailedOn, p.Stalls = "", nil, 0
	if len(p.Requires) > 0 {
		s.requiring--
	}
	p.Requires, p.Use = requires(e.Capabilities), e.Use
	if len(p.Requires) > 0 {
		s.requiring++
	}
	p.Priority = time.Duration(e.Priority) * time.Millisecond
	s.setDeps(p, e.Deps)
	s.setState(p, s.waiting(p))
	return true
}

func (s *State) dequeued(e *events.Event) bool {
	p := s.packages[e.Atom]
	if p == nil {
		return false
	}
	if p.State == Building {
		s.release(p)
	}
	if p.State == Needed {
		s.dropNeeded(p)
	}
	s.setDeps(p, nil)
	s.counts[p.State.index()]--
	if len(p.Requires) > 0 {
		s.requiring--
	}
	s.unindex(p)
	delete(s.packages, e.Atom)
	s.depChanged(e.Atom) // met now: no longer in the queue
	return true
}

// claimed needs a known drone, a needed package and a fence newer than any
// earlier claim's.
func (s *State) claimed(e *events.Event) bool {
	p := s.packages[e.Atom]
	d := s.drones[droneID(e)]
	if p == nil || d == nil || p.State != Needed || e.Fence <= p.Fence {
		return false
	}
	s.setState(p, Building)
	p.Drone, p.Fence, p.Lease = d.ID, e.Fence, e.Lease
	p.ClaimedAt, p.LeaseUntil = e.Time, e.Time.Add(e.Lease)
	p.Progress, p.ProgressAt = 0, e.Time
	d.Tasks = append(d.Tasks, p.Atom)
	return true
}

// holding returns the package e names if it is building under e's fence (and
// e's drone, when e names one).
func (s *State) holding(e *events.Event) *Package {
	p := s.packages[e.Atom]
	if p == nil || p.State != Building || e.Fence != p.Fence {
		return nil
	}
	if e.Drone != "" && e.Drone != p.Drone {
		return nil
	}
	return p
}

func (s *State) leaseRenewed(e *events.Event) bool {
	p := s.holding(e)
	if p == nil {
		return false
	}
	if e.Lease > 0 {
		p.Lease = e.Lease
	}
	p.LeaseUntil = e.Time.Add(p.Lease)
	if e.Progress > p.Progress {
		p.Progress, p.ProgressAt = e.Progress, e.Time
	}
	return true
}

// requires copies an event's capability list (the event's slice is reused).
func requires(caps []string) []string {
	if len(caps) == 0 {
		return nil
	}
	return slices.Clone(caps)
}
