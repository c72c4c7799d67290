package commands

import "github.com/swarm-build/swarm/projections"

// HoldsClaim checks, against st, that drone holds the current claim on
// atom under fence: nil, or an error matching ErrStaleFence,
// ErrNotBuilding or ErrUnknownPackage. Uploads (a build's log, its
// packages) are taken only under a live claim.
func HoldsClaim(st *projections.State, atom, drone string, fence uint64) error {
	_, err := building(st, atom, drone, fence)
	return err
}
