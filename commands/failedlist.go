package commands

import "github.com/swarm-build/swarm/projections"

// FailedPackage is a package the farm gave up on, and why.
type FailedPackage struct {
	Atom   string `json:"atom"`
	Reason string `json:"reason"` // its last failure's signature, else its reason
	Drones int    `json:"drones"` // distinct drones it failed on
}

// FailedPackages lists the failed packages in the order they joined the
// queue, for status: a count alone sends the operator looking. The
// projection lists them from an index, not a walk over the queue.
func FailedPackages(st *projections.State) []FailedPackage {
	var out []FailedPackage
	for _, r := range st.QueueList(string(projections.Failed)) {
		out = append(out, FailedPackage{Atom: r.Atom, Reason: r.LastFailure, Drones: len(r.FailedOn)})
	}
	return out
}
