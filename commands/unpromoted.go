package commands

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/projections"
)

// PromoteWithin is how long a built package may wait for its binary
// package to be in the index before status flags it: a drone uploads and
// the orchestrator promotes before the build is reported complete, so a
// built package without a build in the index is one whose package never
// arrived, not one on its way.
const PromoteWithin = time.Minute

// PromotionOverdue says whether a package built at builtAt that still has
// no promoted build is past PromoteWithin at now: the one rule behind
// status's note and replay's built-but-not-promoted incidents.
func PromotionOverdue(builtAt, now time.Time) bool {
	return !builtAt.IsZero() && now.Sub(builtAt) > PromoteWithin
}

// Unpromoted names the packages built more than PromoteWithin before now
// that have no promoted build in the index, oldest first. now is the
// caller's clock (or a replay's moment); the projection reads none. It
// reads the projection's index of those packages, not the whole queue:
// status calls it under the store's lock.
func Unpromoted(st *projections.State, now time.Time) []projections.PackageNote {
	type late struct {
		note projections.PackageNote
		at   time.Time
	}
	var found []late
	for p := range st.BuiltUnpromoted() {
		at := p.BuiltAt()
		if !PromotionOverdue(at, now) {
			continue
		}
		found = append(found, late{at: at, note: projections.PackageNote{Atom: p.Atom, State: p.State,
			Reason: fmt.Sprintf("built by %s %s ago, but no binary package of it is in the index",
				p.BuiltBy, now.Sub(at).Round(time.Second))}})
	}
	slices.SortFunc(found, func(a, b late) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.note.Atom, b.note.Atom)) })
	out := make([]projections.PackageNote, len(found))
	for i, l := range found {
		out[i] = l.note
	}
	return out
}
