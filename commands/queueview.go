package commands

import (
	"cmp"
	"slices"

	"github.com/swarm-build/swarm/projections"
)

// QueueEntry is one line of `swarm queue`: the package's row plus what the
// farm expects of it.
type QueueEntry struct {
	projections.QueueRow
	// ExpectedSec is its expected build time in seconds on the reference
	// drone (learned from past builds or history import); 0 when unknown.
	ExpectedSec float64 `json:"expected_s,omitempty"`
	// Ready is true for a needed package whose dependencies are all built:
	// the dispatcher offers it now.
	Ready bool `json:"ready"`
}

// queueRank orders the queue as the farm will work through it: builds in
// progress, then the packages ready now in dispatch order, then those
// waiting on dependencies, then those no drone may take, then the done.
var queueRank = map[projections.PackageState]int{
	projections.Building: 0, projections.Needed: 1, projections.Blocked: 3,
	projections.Failed: 4, projections.Excluded: 5, projections.Built: 6,
}

// QueueInOrder lists the packages in state filter ("" for all) in the
// order the farm will work through them: building first (oldest claim
// first), then needed packages as the dispatcher offers them (ready ones
// by longest remaining critical path, then the oldest in the queue; then
// those still waiting for a dependency, by the same rule), then blocked,
// failed, excluded and built ones in the order they joined. Every view
// that shows the queue uses it, so `queue`, the dashboard and the monitor
// agree with what the dispatcher does.
func QueueInOrder(st *projections.State, filter string) []QueueEntry {
	pos := make(map[string]int) // dispatch position of the ready packages
	for p := range st.Needed() {
		pos[p.Atom] = len(pos)
	}
	rows := st.QueueList(filter)
	out := make([]QueueEntry, len(rows))
	for i, r := range rows {
		_, ready := pos[r.Atom]
		out[i] = QueueEntry{QueueRow: r, Ready: ready}
		if d, ok := st.Expected(projections.CP(r.Atom)); ok {
			out[i].ExpectedSec = d.Seconds()
		}
	}
	rank := func(e QueueEntry) int {
		if e.State == projections.Needed && !e.Ready {
			return 2
		}
		return queueRank[e.State]
	}
	slices.SortStableFunc(out, func(a, b QueueEntry) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		switch {
		case a.State == projections.Building:
			return cmp.Compare(a.Fence, b.Fence)
		case a.Ready:
			return cmp.Compare(pos[a.Atom], pos[b.Atom])
		case a.State == projections.Needed:
			return cmp.Or(cmp.Compare(b.PrioritySec, a.PrioritySec), cmp.Compare(a.EnqueuedSeq, b.EnqueuedSeq))
		}
		return 0 // QueueList's order: as they joined
	})
	return out
}
