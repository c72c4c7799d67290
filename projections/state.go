package projections

import (
	"maps"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
)

// State is every read model at once, as of event Seq: the queue, the drones
// and the farm-wide facts. The zero value is not ready; use New.
//
// A State is not safe for concurrent use: one goroutine applies, and readers
// take a Clone or its views (Status, QueueList, DroneList) under the owner's
// lock.
type State struct {
	Seq  uint64    // the last applied event
	Time time.Time // its time: "now", as far as this State knows

	Paused *Pause    // nil while dispatching
	Sync   Sync      // the last completed fresh
	Fresh  *FreshRun // a fresh that started and has not completed
	World  uint64    // packages the last fresh wanted

	packages   map[string]*Package // by atom
	drones     map[string]*Drone   // by id
	exclusions []Exclusion         // in the order they were added
	promoted   map[string]struct{} // atoms with a promoted binpkg
	builds     map[string][]Build  // promoted builds by CPV, in BUILD_ID order (binpkgs.go)
	retired    retiredBuilds       // what is left of pruned builds forgotten (retired.go)
	// lastPromoted is the seq of the last promoted event.
	lastPromoted uint64
	counts       [numStates]int // packages per state
	recent       window         // completion times within the last hour
	needed       readyList      // ready needed packages in dispatch order (dispatch.go, ready.go)
	requiring    int            // packages that require capabilities (reblock)
	failures     []FailureMark  // the last failed builds with a signature
	// freshBinaries counts the packages the last fresh found already
	// available as binary packages (its [binary] lines).
	freshBinaries uint64
	// durations are the expected build times by package (cat/name): learned
	// from an emerge.log, then from the farm's own completed builds.
	durations map[string]time.Duration
	// dependents maps an atom to the queued packages that need it (deps.go).
	dependents map[string][]string
	// settings are config.toml's settings as last recorded, by key
	// (settings.go).
	settings map[string]string
	// index is what status reads instead of walking the queue (index.go).
	index statusIndex
}

// Pause says why and since when dispatching stopped.
type Pause struct {
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
	// Signature is set when the orchestrator paused the farm for a systemic
	// failure: the failure signature that hit most of the fleet.
	Signature string `json:"signature,omitempty"`
}

// Sync identifies the portage tree the queue was last computed against.
type Sync struct {
	Time time.Time // when the fresh completed; zero before the first
	Tree string
}

// FreshRun is a fresh in progress.
type FreshRun struct {
	Tree  string
	Since time.Time
}

// Binary counts binary packages: Available of the plan's Total have a
// verified build in the live index (State.binary).
type Binary struct {
	Available uint64 `json:"available"`
	Total     uint64 `json:"total"`
}

// Exclusion keeps a pattern out of the queue (Drone == "") or off one drone.
type Exclusion struct {
	Pattern string `json:"pattern"`
	Drone   string `json:"drone,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Seq     uint64 `json:"seq"` // the excluded event that added it
}

// New returns the State before any event.
func New() *State {
	return &State{
		packages:   make(map[string]*Package),
		drones:     make(map[string]*Drone),
		promoted:   make(map[string]struct{}),
		builds:     make(map[string][]Build),
		retired:    retiredBuilds{maxID: make(map[string]uint64)},
		durations:  make(map[string]time.Duration),
		dependents: make(map[string][]string),
		index:      newStatusIndex(),
	}
}

// Apply folds one event into the State. It is total: an event that does not
// fit the current state changes nothing but Seq and Time. The State keeps no
// reference to e or its slices (its strings it may keep).
func (s *State) Apply(e *events.Event) {
	applied := s.apply(e)
	s.Seq, s.Time = e.Seq, e.Time
	s.recent.trim(e.Time.Add(-time.Hour))
	if applied {
		s.touch(e)
	}
}

// apply dispatches e and reports whether it fitted (and so was applied).
func (s *State) apply(e *events.Event) bool {
	switch e.Type {
	case events.TypeEnqueued:
		return s.enqueued(e)
	case events.TypeDequeued:
		return s.dequeued(e)
	case events.TypeClaimed:
		return s.claimed(e)
	case events.TypeLeaseRenewed:
		return s.leaseRenewed(e)
	case events.TypeCompleted:
		return s.completed(e)
	case events.TypeFailed:
		return s.failed(e)
	case events.TypeReturned:
		return s.returned(e)
	case events.TypeReclaimed:
		return s.reclaimed(e)
	case events.TypeStartFailed:
		return s.startFailed(e)
	case events.TypeReprioritized:
		return s.reprioritized(e)
	case events.TypeConfigChanged:
		return s.configChanged(e)
	case events.TypeGrounded, events.TypeUngrounded,
		events.TypeDroneRegistered, events.TypeDroneHealth,
		events.TypeDroneOffline, events.TypeDroneOnline:
		return s.applyDrone(e)
	default:
		return s.applyFarm(e)
	}
}

// touch records that a drone was heard from: e's actor, or the drone it names
// when the event is something only that drone does.
func (s *State) touch(e *events.Event) {
	if d := s.drones[e.Actor]; d != nil {
		d.LastSeen = e.Time
		return
	}
	// A failure the orchestrator judged (a stall) was not the drone's
	// doing, and no sign that it lives.
	if e.Drone != "" && byDrone(e.Type) && !(e.Type == events.TypeFailed && e.Actor != e.Drone) {
		if d := s.drones[e.Drone]; d != nil {
			d.LastSeen = e.Time
		}
	}
}

// byDrone reports whether events of type t are the drone's own doing (rather
// than the orchestrator's or an operator's about it).
func byDrone(t events.Type) bool {
	switch t {
	case events.TypeClaimed, events.TypeLeaseRenewed, events.TypeCompleted,
		events.TypeFailed, events.TypeReturned, events.TypeDroneRegistered, events.TypeStartFailed,
		events.TypeDroneHealth, events.TypeDroneOnline, events.TypeBinpkgUploaded:
		return true
	}
	return false
}

// Clone returns a deep copy, for a reader that must not see later events
// (or a replay that must not disturb the original).
func (s *State) Clone() *State {
	c := *s
	if s.Paused != nil {
		p := *s.Paused
		c.Paused = &p
	}
	if s.Fresh != nil {
		f := *s.Fresh
		c.Fresh = &f
	}
	c.packages = make(map[string]*Package, len(s.packages))
	for k, p := range s.packages {
		c.packages[k] = p.clone()
	}
	c.drones = make(map[string]*Drone, len(s.drones))
	for k, d := range s.drones {
		c.drones[k] = d.clone()
	}
	c.exclusions = slices.Clone(s.exclusions)
	c.promoted = maps.Clone(s.promoted)
	c.builds = cloneBuilds(s.builds)
	c.retired = s.retired.clone()
	c.durations = maps.Clone(s.durations)
	c.dependents = make(map[string][]string, len(s.dependents))
	for k, v := range s.dependents {
		c.dependents[k] = slices.Clone(v)
	}
	c.recent = s.recent.clone()
	c.needed = s.needed.clone()
	c.failures = slices.Clone(s.failures)
	c.settings = maps.Clone(s.settings)
	c.index = s.index.clone()
	return &c
}
