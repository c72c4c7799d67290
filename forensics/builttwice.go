package forensics

import (
	"fmt"
	"strings"

	"github.com/swarm-build/swarm/events"
)

// The field's "drones built the same dependency twice because nothing
// scheduled by dependencies": each drone built what it needed, so a package
// was completed by one drone and then again by another. Swarm's own rules
// can no longer write this (a package leaves the queue when built, and a
// report on a claim given away since is refused by its fence), so only a
// log written by something else, or by a swarm with a bug, holds it: a
// package completed again with no enqueue of it between the completions.

// builtTwice follows each package's completions since it was last
// enqueued: a second one opens an incident, later ones join it.
func (f *Finder) builtTwice(e *events.Event) {
	if f.builds == nil {
		f.builds, f.twice = map[string][]events.Event{}, map[string]*Incident{}
	}
	switch e.Type {
	case events.TypeEnqueued: // wanted again: a new build is meant
		delete(f.builds, e.Atom)
		delete(f.twice, e.Atom)
		return
	case events.TypeCompleted:
	default:
		return
	}
	f.builds[e.Atom] = append(f.builds[e.Atom], *e)
	done := f.builds[e.Atom]
	if len(done) < 2 {
		return
	}
	in := f.twice[e.Atom]
	if in == nil {
		in = f.open(KindBuiltTwice, &done[0], "")
		in.Atoms = []string{e.Atom}
		in.add(&done[0])
		in.Drones = addUnique(in.Drones, done[0].Drone)
		f.twice[e.Atom] = in
	}
	if c, ok := f.claim[e.Atom]; ok && c.Fence == e.Fence && c.Seq > done[len(done)-2].Seq {
		in.add(&c)
	}
	in.add(e)
	in.Drones = addUnique(in.Drones, e.Drone)
	in.Summary = fmt.Sprintf("%s built %d times with no re-enqueue between (by %s)", e.Atom, len(done), joinDrones(done))
	// Nothing to wait for: the waste is done at the last build.
	in.Resolution, in.ResolvedSeq, in.Resolved = fmt.Sprintf("built again at seq %d", e.Seq), e.Seq, e.Time
}

// joinDrones names the drones of builds, in order, each once.
func joinDrones(builds []events.Event) string {
	var names []string
	for _, b := range builds {
		names = addUnique(names, b.Drone)
	}
	return strings.Join(names, ", ")
}
