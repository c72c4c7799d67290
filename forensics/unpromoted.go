package forensics

import (
	"fmt"
	"strings"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
)

// The field's 690 MB in staging: packages were built, their binary
// packages sat where no client could fetch them for days, and the queue
// said nothing. Swarm promotes an upload before the build may be reported
// complete, so a package completed without a promoted build is one whose
// binary package never reached the orchestrator (the drone's emerge left
// it elsewhere, or made none). Status names such a package once it is past
// commands.PromoteWithin; replay names the same packages, judged at the
// time of each later event (the log's own clock, so the answer does not
// depend on when replay runs), as one incident for as long as any of them
// is still without a promoted build.

// unpromotedSteps bounds the packages whose claim and completion a
// built-but-not-promoted incident shows; the rest are counted in Omitted.
const unpromotedSteps = 8

// unpromoted follows completions without a promoted build: past
// commands.PromoteWithin they join the open incident, which ends when
// each of its packages is promoted (after a rebuild) or leaves the queue.
func (f *Finder) unpromoted(e *events.Event) {
	if f.unbuilt == nil {
		f.unbuilt, f.lateAtoms = map[string]uint64{}, map[string]bool{}
	}
	// Judged at e's time, before e: what was late is late even if e
	// enqueues it again. The completions wait in log order, so only the
	// oldest are looked at; one promoted or enqueued again meanwhile is
	// no longer in unbuilt under its seq, and is dropped.
	for len(f.waitPromo) > 0 && commands.PromotionOverdue(f.waitPromo[0].Time, e.Time) {
		c := f.waitPromo[0]
		f.waitPromo = f.waitPromo[1:]
		if f.unbuilt[c.Atom] == c.Seq {
			delete(f.unbuilt, c.Atom)
			f.lateBuild(&c)
		}
	}
	switch e.Type {
	case events.TypeCompleted:
		if !f.st.HasBinary(e.Atom) {
			f.unbuilt[e.Atom] = e.Seq
			f.waitPromo = append(f.waitPromo, *e)
		}
	case events.TypePromoted, events.TypeEnqueued, events.TypeDequeued, events.TypeFailed:
		if e.Type == events.TypeFailed && !e.Final {
			break
		}
		delete(f.unbuilt, e.Atom) // promoted, or wanted again: a new build is meant
		if f.late != nil && f.lateAtoms[e.Atom] {
			f.late.add(e)
			if e.Type != events.TypeEnqueued { // a rebuild is on its way; wait for it
				delete(f.lateAtoms, e.Atom)
			}
		}
	}
	if f.late != nil && len(f.lateAtoms) == 0 {
		f.late.resolve(e, f.promotedAgain())
		f.late = nil
	}
}

// lateBuild adds the completion c, past its time to be promoted, to the
// open built-but-not-promoted incident (opening one).
func (f *Finder) lateBuild(c *events.Event) {
	in := f.late
	if in == nil {
		in = f.open(KindUnpromoted, c, "")
		f.late = in
	}
	in.Atoms = addUnique(in.Atoms, c.Atom)
	in.Drones = addUnique(in.Drones, c.Drone)
	f.lateAtoms[c.Atom] = true
	if len(in.Atoms) <= unpromotedSteps {
		if cl, ok := f.claim[c.Atom]; ok && cl.Fence == c.Fence {
			in.add(&cl)
		}
		in.add(c)
		in.Timeline[len(in.Timeline)-1].Text = fmt.Sprintf("%s built by %s, with no binary package handed over", c.Atom, c.Drone)
	} else {
		in.Omitted += 2
	}
	what := fmt.Sprintf("%d packages", len(in.Atoms))
	if len(in.Atoms) == 1 {
		what = c.Atom
	}
	in.Summary = fmt.Sprintf("%s built but not promoted: no binary package reached the index within %s of the build (built by %s)",
		what, commands.PromoteWithin, strings.Join(in.Drones, ", "))
}

// promotedAgain says how a built-but-not-promoted incident ended: each of
// its packages promoted (after a rebuild) or gone from the queue.
func (f *Finder) promotedAgain() string {
	promoted := 0
	for _, a := range f.late.Atoms {
		if f.st.HasBinary(a) {
			promoted++
		}
	}
	if promoted == len(f.late.Atoms) {
		return "built again and promoted: " + join(f.late.Atoms)
	}
	return fmt.Sprintf("%d of %d promoted after a rebuild; the rest left the queue or failed for good", promoted, len(f.late.Atoms))
}
