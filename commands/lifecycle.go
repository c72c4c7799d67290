package commands

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/projections"
)

// Rules are the farm's thresholds that decisions depend on; the CLI and the
// orchestrator fill them from config.toml.
type Rules struct {
	Lease           time.Duration // how long a claim lives without renewal
	FailAfterDrones int           // distinct drones a package must fail on to be failed
	Heartbeat       time.Duration // the drones' heartbeat interval
	GroundAfter     int           // failures in a row that ground a drone; 0: never
	GroundFor       time.Duration // how long a breaker's grounding lasts
	// SystemicWindow and SystemicFraction define a systemic failure: within
	// the window, drones that are at least this share of the online fleet
	// (and at least two) failed with one signature and built nothing since.
	SystemicWindow   time.Duration
	SystemicFraction float64
	StallAfter       time.Duration // a build without new output for this long is reclaimed; 0: never
	// SampleEvery is how often a heartbeat's resources are recorded in the
	// log (a health, tree or configuration change always is); 0: every beat.
	SampleEvery time.Duration
	Exclude     []string // config.toml's [exclude] patterns: never dispatched
	// Portage is the farm's portage configuration (config.toml's
	// [portage]): only the settings it holds are compared, and a drone
	// whose own differ gets no work.
	Portage portage.Settings
	// RequireVersion is the oldest release a drone may run and get work
	// (farm.require_version): "" = any, "orchestrator" = Release.
	RequireVersion string
	// Release is the orchestrator's own release.
	Release string
}

// DefaultRules are config.toml's defaults.
func DefaultRules() Rules {
	return Rules{Lease: 60 * time.Second, FailAfterDrones: 2, Heartbeat: 15 * time.Second,
		GroundAfter: 5, GroundFor: 5 * time.Minute, SystemicWindow: 10 * time.Minute,
		SystemicFraction: 0.5, StallAfter: 30 * time.Minute, SampleEvery: 10 * time.Minute}
}

// OfflineAfter is how long a drone may be silent before it is offline and
// its work reclaimed: two and a half heartbeats, so one late heartbeat is
// forgiven and a dead drone's work moves within three.
func (r Rules) OfflineAfter() time.Duration { return r.Heartbeat * 5 / 2 }

// Claim gives one named package to a drone, if the dispatcher's rules
// allow it at now (the drone online, healthy, not grounded, on the queue's
// tree, with a free slot; the package ready, not excluded for it, within
// its capabilities and the two-drone rule): what Dispatch would check,
// for a caller that names the package. A package or drone the rules rule
// out is ErrNotEligible with the rule's reason. The fencing token is the
// claim event's own sequence number: unique, increasing, and known at
// decision time because Execute appends only if the log is still at
// st.Seq.
func Claim(r Rules, now time.Time, drone, atom string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		p, ok := st.Package(atom)
		if !ok {
			return nil, fmt.Errorf("claim %s: %w", atom, ErrUnknownPackage)
		}
		d, ok := st.Drone(drone)
		if !ok {
			return nil, fmt.Errorf("claim %s by %s: %w", atom, drone, ErrUnknownDrone)
		}
		if p.State != projections.Needed {
			return nil, fmt.Errorf("claim %s (%s): %w", atom, p.State, ErrNotNeeded)
		}
		why := droneBlocker(r, st, &d, now)
		if why == "" && d.SlotsFree() <= 0 {
			why = fmt.Sprintf("all %d slots busy", max(d.Slots, 1))
		}
		if why == "" {
			why = packageBlocker(r, st, &d, &p, st.Exclusions(), now)
		}
		if why == "" && st.Unmet(&p) != nil {
			why = "waits for " + strings.Join(st.Unmet(&p), ", ")
		}
		if why != "" {
			return nil, fmt.Errorf("claim %s by %s: %w: %s", atom, drone, ErrNotEligible, why)
		}
		return []events.Event{{Type: events.TypeClaimed, Actor: ActorOrchestrator, Atom: atom, Drone: drone,
			Fence: st.Seq + 1, Lease: r.Lease, Attempt: p.Attempts + 1}}, nil
	}
}

// DroneInfo is what a drone says about itself when it registers.
type DroneInfo struct {
	ID           string
	Cores        uint32
	MemoryMB     uint64
	Capabilities []string
	Version      string // the swarm release it runs
	Tree         string // its portage tree identity
	Health       string // its health state machine's state
	Slots        uint32 // builds it may run at once, as the farm allows (0: 1)
	// Portage is its portage configuration (none: it could not tell).
	Portage portage.Settings
}

// Register records a drone's introduction (first contact or a restart).
// held are the builds the drone still runs: any other claim in its name
// belongs to a process that is gone, so it is reclaimed now rather than when
// its lease runs out. dropped receives those reclaims.
func Register(d DroneInfo, held []TaskReport, dropped *[]Dropped) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if d.ID == "" {
			return nil, fmt.Errorf("register: %w: empty id", ErrUnknownDrone)
		}
		evs := []events.Event{{Type: events.TypeDroneRegistered, Actor: d.ID, Drone: d.ID, Cores: d.Cores,
			MemoryMB: d.MemoryMB, Capabilities: d.Capabilities, Version: d.Version, Tree: d.Tree,
			Health: d.Health, Count: uint64(max(d.Slots, 1)),
			Portage: d.Portage.Pairs(), Fingerprint: d.Portage.Fingerprint()}}
		var drops []Dropped
		if old, ok := st.Drone(d.ID); ok {
			for _, atom := range old.Tasks {
				p, _ := st.Package(atom)
				if !slices.ContainsFunc(held, func(t TaskReport) bool { return t.Atom == atom && t.Fence == p.Fence }) {
					const why = "the drone restarted without it"
					evs = append(evs, reclaim(p, why))
					drops = append(drops, Dropped{Atom: atom, Fence: p.Fence, Reason: why})
				}
			}
		}
		if dropped != nil {
			*dropped = drops
		}
		return evs, nil
	}
}

// reclaim is the event that takes p back from its claimant.
func reclaim(p projections.Package, reason string) events.Event {
	return events.Event{Type: events.TypeReclaimed, Actor: ActorOrchestrator, Atom: p.Atom, Drone: p.Drone,
		Fence: p.Fence, Reason: reason}
}

// building checks that drone holds the current claim on atom with fence,
// and returns a copy of the package for deciders that judge it further.
func building(st *projections.State, atom, drone string, fence uint64) (projections.Package, error) {
	if err := holds(st, atom, drone, fence); err != nil {
		return projections.Package{}, err
	}
	p, _ := st.Package(atom)
	return p, nil
}

// holds is building's verdict alone, without the copy: every completion
// checks its claim, and the copy (the package and its lists) was most of
// what a completion allocated.
func holds(st *projections.State, atom, drone string, fence uint64) error {
	p, ok := st.PackageRef(atom)
	switch {
	case !ok:
		return fmt.Errorf("%s: %w", atom, ErrUnknownPackage)
	case p.State != projections.Building:
		return staleReport(*p, drone, fence, ErrNotBuilding)
	case p.Fence != fence || p.Drone != drone:
		return staleReport(*p, drone, fence, ErrStaleFence)
	}
	return nil
}

// Renew extends a claim's lease.
func Renew(r Rules, drone, atom string, fence uint64) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if err := holds(st, atom, drone, fence); err != nil {
			return nil, err
		}
		return []events.Event{{Type: events.TypeLeaseRenewed, Actor: drone, Atom: atom, Drone: drone, Fence: fence, Lease: r.Lease}}, nil
	}
}

// Binpkg is the binary package a successful build made, as the drone
// measured it; zero when it made none (or does not say).
type Binpkg struct {
	SHA256 string
	Size   uint64
}

// Complete records a successful build. A completion with a stale fence is
// refused: the package was reclaimed and may be building elsewhere.
func Complete(drone, atom string, fence uint64, pkg Binpkg) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if err := holds(st, atom, drone, fence); err != nil {
			return nil, err
		}
		return []events.Event{{Type: events.TypeCompleted, Actor: drone, Atom: atom, Drone: drone, Fence: fence,
			SHA256: pkg.SHA256, Size: pkg.Size}}, nil
	}
}

// Failure describes a failed build as the drone saw it.
type Failure struct {
	Signature string // a short, stable name of what went wrong ("slot-conflict")
	Reason    string // one line for humans ("emerge exited 1")
	Excerpt   string // the tail of the build log
	// Start is set when the build could not even start, to the cause
	// (StartNameTooLong, StartNotFound, …): start.go judges it, not the
	// failure rules.
	Start string
}

// Fail records a failed build at now and applies the farm's failure rules
// (failure.go): package failure, systemic failure, circuit breaker. The
// retry metadata (attempts, which drones failed it) lives in the events,
// never in the build command. A build that could not even start is judged
// by start.go instead.
func Fail(r Rules, now time.Time, drone, atom string, fence uint64, f Failure) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		p, err := building(st, atom, drone, fence)
		if err != nil {
			return nil, err
		}
		if isStartFailure(f) {
			return startFailureEvents(r, now, st, p, f), nil
		}
		return failureEvents(r, now, st, p, f), nil
	}
}

// Return gives a claimed package back unbuilt (a sick or stopping drone).
func Return(drone, atom string, fence uint64, reason string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if err := holds(st, atom, drone, fence); err != nil {
			return nil, err
		}
		return []events.Event{{Type: events.TypeReturned, Actor: drone, Atom: atom, Drone: drone, Fence: fence, Reason: reason}}, nil
	}
}

// Reclaim takes a package back from its drone (lease expired, drone offline).
func Reclaim(atom, reason string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		p, ok := st.Package(atom)
		if !ok {
			return nil, fmt.Errorf("reclaim %s: %w", atom, ErrUnknownPackage)
		}
		if p.State != projections.Building {
			return nil, fmt.Errorf("reclaim %s (%s): %w", atom, p.State, ErrNotBuilding)
		}
		return []events.Event{reclaim(p, reason)}, nil
	}
}
