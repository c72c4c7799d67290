package commands

import (
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Rules are the farm's thresholds that decisions depend on; the CLI and the
// orchestrator fill them from config.toml.
type Rules struct {
	Lease           time.Duration // how long a claim lives without renewal
	FailAfterDrones int           // distinct drones a package must fail on to be failed
}

// DefaultRules are config.toml's defaults.
func DefaultRules() Rules { return Rules{Lease: 60 * time.Second, FailAfterDrones: 2} }

// Claim gives a needed package to a drone. The fencing token is the claim
// event's own sequence number: unique, increasing, and known at decision
// time because Execute appends only if the log is still at st.Seq.
func Claim(r Rules, drone, atom string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		p, ok := st.Package(atom)
		if !ok {
			return nil, fmt.Errorf("claim %s: %w", atom, ErrUnknownPackage)
		}
		if _, ok := st.Drone(drone); !ok {
			return nil, fmt.Errorf("claim %s by %s: %w", atom, drone, ErrUnknownDrone)
		}
		if p.State != projections.Needed {
			return nil, fmt.Errorf("claim %s (%s): %w", atom, p.State, ErrNotNeeded)
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
}

// Register records a drone's introduction (first contact or a restart).
func Register(d DroneInfo) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if d.ID == "" {
			return nil, fmt.Errorf("register: %w: empty id", ErrUnknownDrone)
		}
		return []events.Event{{Type: events.TypeDroneRegistered, Actor: d.ID, Drone: d.ID, Cores: d.Cores,
			MemoryMB: d.MemoryMB, Capabilities: d.Capabilities, Version: d.Version, Tree: d.Tree}}, nil
	}
}

// building checks that drone holds the current claim on atom with fence.
func building(st *projections.State, atom, drone string, fence uint64) (projections.Package, error) {
	p, ok := st.Package(atom)
	switch {
	case !ok:
		return p, fmt.Errorf("%s: %w", atom, ErrUnknownPackage)
	case p.State != projections.Building:
		return p, fmt.Errorf("%s (%s): %w", atom, p.State, ErrNotBuilding)
	case p.Fence != fence || p.Drone != drone:
		return p, fmt.Errorf("%s: fence %d of %s, current is %d of %s: %w", atom, fence, drone, p.Fence, p.Drone, ErrStaleFence)
	}
	return p, nil
}

// Renew extends a claim's lease.
func Renew(r Rules, drone, atom string, fence uint64) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if _, err := building(st, atom, drone, fence); err != nil {
			return nil, err
		}
		return []events.Event{{Type: events.TypeLeaseRenewed, Actor: drone, Atom: atom, Drone: drone, Fence: fence, Lease: r.Lease}}, nil
	}
}

// Complete records a successful build. A completion with a stale fence is
// refused: the package was reclaimed and may be building elsewhere.
func Complete(drone, atom string, fence uint64) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if _, err := building(st, atom, drone, fence); err != nil {
			return nil, err
		}
		return []events.Event{{Type: events.TypeCompleted, Actor: drone, Atom: atom, Drone: drone, Fence: fence}}, nil
	}
}

// Failure describes a failed build as the drone saw it.
type Failure struct {
	Signature string // a short, stable name of what went wrong ("slot-conflict")
	Reason    string // one line for humans ("emerge exited 1")
	Excerpt   string // the tail of the build log
}

// Fail records a failed build. The retry metadata (attempts, which drones
// failed it) lives in the events, never in the build command. A package that
// has now failed on FailAfterDrones distinct drones is a package failure:
// Final, so it is failed rather than retried.
func Fail(r Rules, drone, atom string, fence uint64, f Failure) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		p, err := building(st, atom, drone, fence)
		if err != nil {
			return nil, err
		}
		distinct := len(p.FailedOn)
		if !slices.Contains(p.FailedOn, drone) {
			distinct++
		}
		return []events.Event{{Type: events.TypeFailed, Actor: drone, Atom: atom, Drone: drone, Fence: fence,
			Signature: f.Signature, Reason: f.Reason, Excerpt: f.Excerpt,
			Final: r.FailAfterDrones > 0 && distinct >= r.FailAfterDrones}}, nil
	}
}

// Return gives a claimed package back unbuilt (a sick or stopping drone).
func Return(drone, atom string, fence uint64, reason string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if _, err := building(st, atom, drone, fence); err != nil {
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
		return []events.Event{{Type: events.TypeReclaimed, Actor: ActorOrchestrator, Atom: atom, Drone: p.Drone, Fence: p.Fence, Reason: reason}}, nil
	}
}
