package projections

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
)

// Health is a drone's own view of itself, from its health state machine.
type Health string

// The health states a drone reports.
const (
	Healthy    Health = "healthy"
	Degraded   Health = "degraded"
	Critical   Health = "critical"
	Recovering Health = "recovering"
)

// DroneStatus is the one word `swarm drones` shows for a drone: offline,
// grounded, its health when not healthy, building or idle, in that priority.
type DroneStatus string

// The statuses that are not health names.
const (
	DroneIdle     DroneStatus = "idle"
	DroneBuilding DroneStatus = "building"
	DroneGrounded DroneStatus = "grounded"
	DroneOffline  DroneStatus = "offline"
)

// Drone is one build machine as the events describe it.
type Drone struct {
	ID           string
	Health       Health
	Cores        uint32
	MemoryMB     uint64
	Capabilities []string
	Version      string // the swarm release it runs
	Tree         string // the portage tree it has

	CPUPercent    float64 // the last sampled resources
	MemoryPercent float64
	DiskPercent   float64
	Load          float64

	Tasks         []string  // atoms it is building, in claim order
	LastSeen      time.Time // its last own event; zero if never heard from
	Grounded      bool      // a grounding is in force until GroundedUntil
	GroundedUntil time.Time // zero: until ungrounded
	GroundReason  string
	GroundedSince time.Time // when the grounding in force began (self-healing counts from it)
	// Streak is the failures since its last completed build that count
	// against it: a package that later failed on enough drones (a package
	// failure) and a systemic failure's signature are struck out.
	Streak    []Strike
	LastBuilt time.Time // its last completed build; zero if none
	Slots     uint32    // builds it may run at once (at least 1)
	// StartFailures are the distinct packages whose builds it could not
	// even start since it last started one (or registered, or was
	// grounded).
	StartFailures []string
	Online        bool
	Registered    time.Time // its last registration; zero if it never registered
	// Portage is its portage configuration as it last reported it
	// ("KEY=value", sorted: see portage.Settings), Fingerprint their hash;
	// both empty when it reports none.
	Portage     []string
	Fingerprint string
	// SampledAt is the time of its last drone_health event: heartbeats
	// record resources once per Rules.SampleEvery, not every beat.
	SampledAt time.Time
}

// Strike is one failure in a drone's streak.
type Strike struct {
	Atom      string
	Signature string
}

// strike adds a failure to the streak.
func (d *Drone) strike(atom, sig string) {
	d.Streak = append(d.Streak, Strike{atom, sig})
}

// forgive strikes out the failures that match.
func (d *Drone) forgive(match func(Strike) bool) {
	d.Streak = slices.DeleteFunc(d.Streak, match)
}

// ConsecutiveFailures is what the circuit breaker counts: the failures in
// the drone's streak.
func (d *Drone) ConsecutiveFailures() int { return len(d.Streak) }

// Can reports whether the drone has every capability in need. An entry
// "a|b" is met by either: a package keyworded for two arches needs one of
// their capabilities.
func (d *Drone) Can(need []string) bool {
	for _, c := range need {
		if !slices.ContainsFunc(strings.Split(c, "|"), func(alt string) bool { return slices.Contains(d.Capabilities, alt) }) {
			return false
		}
	}
	return true
}

// SlotsFree is how many more builds the drone may take.
func (d *Drone) SlotsFree() int {
	return max(int(max(d.Slots, 1))-len(d.Tasks), 0)
}

func (d *Drone) clone() *Drone {
	c := *d
	c.Capabilities = slices.Clone(d.Capabilities)
	c.Tasks = slices.Clone(d.Tasks)
	c.Streak = slices.Clone(d.Streak)
	c.StartFailures = slices.Clone(d.StartFailures)
	c.Portage = slices.Clone(d.Portage)
	return &c
}

// GroundedAt reports whether a grounding keeps the drone from claiming at now.
func (d *Drone) GroundedAt(now time.Time) bool {
	return d.Grounded && (d.GroundedUntil.IsZero() || now.Before(d.GroundedUntil))
}

// StatusAt derives the drone's status at now.
func (d *Drone) StatusAt(now time.Time) DroneStatus {
	switch {
	case !d.Online:
		return DroneOffline
	case d.GroundedAt(now):
		return DroneGrounded
	case d.Health != "" && d.Health != Healthy:
		return DroneStatus(d.Health)
	case len(d.Tasks) > 0:
		return DroneBuilding
	}
	return DroneIdle
}

// removeTask drops atom from Tasks in place, keeping the order (and the
// backing array, so the next claim does not allocate).
func (d *Drone) removeTask(atom string) {
	if i := slices.Index(d.Tasks, atom); i >= 0 {
		d.Tasks = slices.Delete(d.Tasks, i, i+1)
	}
}

// droneID is the drone an event is about: its Drone field, else, for what a
// drone does itself, its actor.
func droneID(e *events.Event) string {
	if e.Drone != "" || !byDrone(e.Type) {
		return e.Drone
	}
	return e.Actor
}

// applyDrone handles the events about drones rather than packages. A drone
// becomes known by registering or by being grounded (an operator may ground
// an admitted drone before it first shows up); other events about an
// unknown drone do not fit.
func (s *State) applyDrone(e *events.Event) bool {
	id := droneID(e)
	if id == "" {
		return false
	}
	d := s.drones[id]
	if d == nil {
		if e.Type != events.TypeDroneRegistered && e.Type != events.TypeGrounded {
			return false
		}
		d = &Drone{ID: id, Health: Healthy}
		s.drones[id] = d
	}
	switch e.Type {
	case events.TypeDroneRegistered:
		if d.register(e) {
			s.reblock()
		}
	case events.TypeDroneHealth:
		d.sample(e)
	case events.TypeDroneOffline:
		d.Online = false
	case events.TypeDroneOnline:
		d.Online = true
	case events.TypeGrounded:
		if !d.Grounded {
			d.GroundedSince = e.Time
		}
		d.Grounded, d.GroundedUntil, d.GroundReason = true, e.Until, e.Reason
		d.forgive(func(Strike) bool { return true }) // after the cooldown it starts afresh
		d.StartFailures = nil
	case events.TypeUngrounded:
		d.Grounded, d.GroundedUntil, d.GroundReason, d.GroundedSince = false, time.Time{}, "", time.Time{}
	}
	return true
}

// register takes a registration and reports whether the drone's
// capabilities changed (so blocked packages must be looked at again).
func (d *Drone) register(e *events.Event) (changed bool) {
	d.Cores, d.MemoryMB, d.Version, d.Tree = e.Cores, e.MemoryMB, e.Version, e.Tree
	d.Slots = uint32(min(max(e.Count, 1), 1<<16)) // a registration's Count is its slots
	// A registration that reports no settings leaves none known.
	d.Portage, d.Fingerprint = slices.Clone(e.Portage), e.Fingerprint
	if !slices.Equal(d.Capabilities, e.Capabilities) || d.Registered.IsZero() {
		d.Capabilities = slices.Clone(e.Capabilities) // e's slice is reused
		changed = true
	}
	if e.Health != "" {
		d.Health = Health(e.Health)
	}
	d.Online, d.Registered = true, e.Time
	d.StartFailures = nil // restarted: perhaps with its configuration fixed
	return changed
}

// sample takes a heartbeat: health when it says one, resources always (the
// wire cannot tell an absent sample from a zero one).
func (d *Drone) sample(e *events.Event) {
	if e.Health != "" {
		d.Health = Health(e.Health)
	}
	if e.Tree != "" {
		d.Tree = e.Tree
	}
	if e.Version != "" {
		d.Version = e.Version
	}
	if e.Fingerprint != "" {
		d.Portage, d.Fingerprint = slices.Clone(e.Portage), e.Fingerprint
	}
	d.CPUPercent, d.MemoryPercent = finite(e.CPUPercent), finite(e.MemoryPercent)
	d.DiskPercent, d.Load = finite(e.DiskPercent), finite(e.Load)
	d.SampledAt = e.Time
}

// finite keeps NaN and infinities (which no JSON can print) out of the
// read models; the log's codec cannot carry them, but a caller's event can.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}
