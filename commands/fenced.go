package commands

import (
	"context"
	"fmt"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// StaleReport is the error of a drone's report (a renewal, completion,
// failure, return or upload) on a claim that is not its own any more. It
// wraps ErrStaleFence (the package is building under another claim) or
// ErrNotBuilding (it is not building at all).
type StaleReport struct {
	Atom, Drone string
	Fence       uint64 // the drone's claim
	// Holder and HolderFence are the package's current (or last) claim.
	Holder      string
	HolderFence uint64
	State       projections.PackageState
	err         error
}

func (e *StaleReport) Error() string {
	if e.State != projections.Building {
		return fmt.Sprintf("%s (%s): %v", e.Atom, e.State, e.err)
	}
	return fmt.Sprintf("%s: fence %d of %s, current is %d of %s: %v", e.Atom, e.Fence, e.Drone, e.HolderFence, e.Holder, e.err)
}

func (e *StaleReport) Unwrap() error { return e.err }

// Fenced reports whether another claim on the package was granted after
// the drone's: two drones held claims on it, and only the fence kept the
// older one's word out. A report on the drone's own last claim, refused
// because that claim already ended, is not.
func (e *StaleReport) Fenced() bool { return e.HolderFence > e.Fence }

func orNobody(s string) string {
	if s == "" {
		return "nobody"
	}
	return s
}

// RefuseReport records that the fence refused drone's report (verb:
// complete, fail, heartbeat …) on its claim fence of atom, when another
// claim on the package was granted after it: the field's duplicate claim,
// kept out. It yields nothing when no newer claim exists (the claim merely
// ended). Use Store.RecordRefusal, which first checks that the drone
// really held that claim.
func RefuseReport(verb, atom, drone string, fence uint64) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		p, ok := st.Package(atom)
		if !ok || p.Fence <= fence {
			return nil, nil
		}
		return []events.Event{refused(verb, drone, fence, p)}, nil
	}
}

// RecordRefusal records a refused report (RefuseReport) of a claim drone
// really held: a claim's fence is the seq of its claimed event, so that
// event must be drone's claim of atom. A report naming a fence the drone
// never held (a bug, a hostile drone) is refused and leaves no trace, so
// a drone cannot write history it did not make.
func (s *Store) RecordRefusal(ctx context.Context, verb, atom, drone string, fence uint64) error {
	held := false
	for e, err := range s.Log().Events(ctx, fence) {
		if err != nil {
			return fmt.Errorf("read the claim at seq %d: %w", fence, err)
		}
		held = e.Seq == fence && e.Type == events.TypeClaimed && e.Atom == atom && e.Drone == drone && e.Fence == fence
		break
	}
	if !held {
		return nil
	}
	_, err := s.Execute(ctx, RefuseReport(verb, atom, drone, fence))
	return err
}

// refused is the report_refused event of drone's report (verb) on its
// claim fence of p, refused because a newer claim on p exists.
func refused(verb, drone string, fence uint64, p projections.Package) events.Event {
	holder := fmt.Sprintf("fence %d of %s", p.Fence, orNobody(p.Drone))
	switch p.State {
	case projections.Building:
		holder = "the claim is now " + holder
	case projections.Built:
		holder = fmt.Sprintf("already built by %s (fence %d)", p.BuiltBy, p.Fence)
	default:
		holder = fmt.Sprintf("the package is %s; its last claim was %s", p.State, holder)
	}
	return events.Event{Type: events.TypeReportRefused, Actor: ActorOrchestrator, Atom: p.Atom, Drone: drone,
		Fence: fence, Reason: fmt.Sprintf("%s with stale fence %d refused: %s", verb, fence, holder)}
}

func staleReport(p projections.Package, drone string, fence uint64, err error) *StaleReport {
	return &StaleReport{Atom: p.Atom, Drone: drone, Fence: fence, Holder: p.Drone, HolderFence: p.Fence, State: p.State, err: err}
}
