package forensics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
)

// The field's retry string: a retry appended --retry-after-fix to the atom
// on every attempt, so each retry built something worse. Here a retry is a
// new claim of the same package, its attempt number in the claimed event
// and each failure's reason in the failed event; the build command is an
// argv made from the atom at each claim. So the log can show two things:
// a package that needed several attempts (each with its reason, and the
// atom each claim built, the same every time), and an atom that is not a
// clean package atom at all (swarm's enqueue refuses one, so only a log
// written by something else can hold it).

// retriedAfter is how many failed attempts make a package's retries an
// incident: one retry is the farm working as meant.
const retriedAfter = 2

// retry follows a package's attempts: each failure, and the claims after
// the first. An incident opens at its retriedAfter-th failure and ends
// when the package is built or failed for good.
func (f *Finder) retry(e *events.Event) {
	switch e.Type {
	case events.TypeEnqueued:
		f.cleanAtom(e)
		return
	case events.TypeClaimed:
		f.cleanAtom(e) // an open incident's later claims come from Finder.follow
		return
	case events.TypeFailed:
	default:
		return
	}
	f.failures[e.Atom] = addUnique(f.failures[e.Atom], failedOn(e))
	f.failCount[e.Atom]++
	if f.retries[e.Atom] == nil {
		if c, ok := f.claim[e.Atom]; ok && c.Fence == e.Fence { // the claim this attempt was
			f.attempts[e.Atom] = appendAttempt(f.attempts[e.Atom], &c)
		}
		f.attempts[e.Atom] = appendAttempt(f.attempts[e.Atom], e)
	}
	if in := f.retries[e.Atom]; in != nil {
		in.add(e)
		in.Drones = addUnique(in.Drones, e.Drone)
	} else if f.failCount[e.Atom] >= retriedAfter {
		in = f.open(KindRetried, e, "")
		for _, m := range f.attempts[e.Atom] {
			in.add(&m)
			if m.Type == events.TypeFailed {
				in.Drones = addUnique(in.Drones, m.Drone)
			}
		}
		in.Start, in.FirstSeq = in.Timeline[0].Time, in.Timeline[0].Seq
		f.retries[e.Atom] = in
		delete(f.attempts, e.Atom)
		f.wait(in, e.Atom)
	}
	if in := f.retries[e.Atom]; in != nil {
		in.Summary = fmt.Sprintf("%s failed %d times (the same atom each attempt): %s",
			e.Atom, f.failCount[e.Atom], strings.Join(f.failures[e.Atom], ", "))
	}
}

// keepAttempts bounds the claims and failures a Finder keeps of one
// package before its retries are an incident.
const keepAttempts = 2 * retriedAfter

func appendAttempt(list []events.Event, e *events.Event) []events.Event {
	list = append(list, *e)
	if len(list) > keepAttempts {
		list = slices.Delete(list, 0, len(list)-keepAttempts)
	}
	return list
}

// retried closes what a package's settling ends: its attempts so far.
func (f *Finder) retried(e *events.Event) {
	if e.Type == events.TypeCompleted || e.Type == events.TypeDequeued || (e.Type == events.TypeFailed && e.Final) {
		delete(f.attempts, e.Atom)
		delete(f.retries, e.Atom)
		delete(f.failures, e.Atom)
		delete(f.failCount, e.Atom)
	}
}

// cleanAtom opens an incident for an atom that is not a clean package
// atom (flags or words appended to it), which commands.ParseAtoms refuses.
func (f *Finder) cleanAtom(e *events.Event) {
	if _, seen := f.atoms[e.Atom]; seen || e.Atom == "" {
		return
	}
	_, err := commands.ParseAtoms([]string{e.Atom})
	f.atoms[e.Atom] = err != nil // each atom is parsed once
	if err == nil {
		return
	}
	in := f.open(KindRetried, e, fmt.Sprintf("%q is not a clean package atom (%s): a build command made from it is not the package's", e.Atom, e.Type))
	in.Atoms = []string{e.Atom}
	in.add(e)
}

// failedOn says a failure in a few words: its signature (else its
// reason) and the drone.
func failedOn(e *events.Event) string {
	r := e.Signature
	if r == "" {
		r = e.Reason
	}
	return fmt.Sprintf("%s on %s", orNone(r), e.Drone)
}
