package commands

import (
	"fmt"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/projections"
)

// Uploads: a drone sends each binary package its build made, under the
// claim's fence; the orchestrator verifies it and promotes it (or rejects
// it, which takes the package back). The checks of the bytes are the
// binhost package's; the decisions are here.

// UploadAllowed says whether drone may upload for atom under fence now (a
// package, a build log): it must hold the live claim, else an error
// matching ErrStaleFence, ErrNotBuilding or ErrUnknownPackage. Checked
// before the body is read, so a stale drone's gigabytes are never received.
func UploadAllowed(st *projections.State, drone, atom string, fence uint64) error {
	return holds(st, atom, drone, fence)
}

// AtomCPV is the CPV (cat/name-version) a queued atom must build: an
// upload whose package metadata names another CPV is not its build.
func AtomCPV(atom string) (string, error) {
	a, err := portage.ParsePackage(atom)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadAtom, err)
	}
	return a.CPV(), nil
}

// Promotion is a verified upload as the farm published it.
type Promotion struct {
	Upload     Binpkg // what the drone sent: its SHA-256 and size
	CPV        string // the package's CATEGORY/PF
	BuildID    uint64 // the farm's BUILD_ID (State.NextBuildID at allocation)
	Path       string // under the binhost's packages folder
	FileSHA256 string // of the signed file
	Size       uint64 // of the signed file
	Entry      string // its Packages block
}

// Promote records a verified, signed, published package: the upload and
// its promotion in one append. Refused with a stale fence (the caller
// removes the file it published), and with ErrBuildIDTaken when another
// promotion of the CPV took the BUILD_ID since it was allocated.
func Promote(drone, atom string, fence uint64, pr Promotion) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if err := holds(st, atom, drone, fence); err != nil {
			return nil, err
		}
		if next := st.NextBuildID(pr.CPV); pr.BuildID != next {
			return nil, fmt.Errorf("%s BUILD_ID %d, next is %d: %w", pr.CPV, pr.BuildID, next, ErrBuildIDTaken)
		}
		// The portage settings it was built with: the building drone's as
		// it reported them last (a drone reports a change in its next
		// heartbeat, and one that drifted gets no new work).
		d, _ := st.Drone(drone)
		return []events.Event{
			{Type: events.TypeBinpkgUploaded, Actor: drone, Atom: atom, Drone: drone, Fence: fence,
				SHA256: pr.Upload.SHA256, Size: pr.Upload.Size},
			{Type: events.TypePromoted, Actor: ActorOrchestrator, Atom: atom, Drone: drone, Fence: fence,
				SHA256: pr.Upload.SHA256, FileSHA256: pr.FileSHA256, Size: pr.Size, BuildID: pr.BuildID,
				CPV: pr.CPV, Path: pr.Path, Entry: pr.Entry, Fingerprint: d.Fingerprint},
		}, nil
	}
}

// Reject records an upload that failed verification (check names which,
// reason says how) and ends the build in the same append. A bad package is
// the build's fault, as a stall is: the end is a failure on that drone
// (signature "rejected-CHECK", judged by the orchestrator), through the
// failure rules (failure.go), so it is an attempt and a strike, the
// two-drone rule and the breaker apply, and the package goes to another
// drone first. Without that a drone that always made bad packages was
// handed the package back forever. The drone's later reports are stale.
func Reject(r Rules, now time.Time, drone, atom string, fence uint64, check, reason string, up Binpkg) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		p, err := building(st, atom, drone, fence)
		if err != nil {
			return nil, err
		}
		rejected := events.Event{Type: events.TypeRejected, Actor: ActorOrchestrator, Atom: atom, Drone: drone,
			Fence: fence, Signature: check, Reason: reason, SHA256: up.SHA256, Size: up.Size}
		f := Failure{Signature: "rejected-" + check, Reason: "binary package rejected (" + check + "): " + reason}
		evs := failureEvents(r, now, st, p, f)
		evs[0].Actor = ActorOrchestrator
		return append([]events.Event{rejected}, evs...), nil
	}
}
