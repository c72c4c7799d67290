package forensics

import (
	"fmt"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// fenced follows the field's duplicate claim: a drone's claim was
// reclaimed and given to another, and the first drone then reported on it
// anyway; the fence refused it (report_refused). The incident names the
// package, both drones and the refused reports, and ends when the package
// is built (once) or given up.
func (f *Finder) fenced(e *events.Event) {
	key := fmt.Sprintf("%s@%d", e.Atom, e.Fence)
	if in := f.fences[key]; in != nil {
		in.add(e)
		return
	}
	in := f.open(KindDuplicateClaim, e, "")
	f.fences[key] = in
	in.Drones = []string{e.Drone}
	if c, ok := f.lost[e.Atom]; ok && c.Fence == e.Fence {
		in.add(&c)
	}
	if r, ok := f.reclaims[e.Atom]; ok && r.Fence == e.Fence {
		in.add(&r)
	}
	var holder string
	if c, ok := f.claim[e.Atom]; ok && c.Fence > e.Fence {
		holder = c.Drone
		in.Drones = addUnique(in.Drones, c.Drone)
		in.add(&c)
	}
	in.add(e)
	in.Summary = fmt.Sprintf("%s claimed by %s and then by %s; the fence refused %s's late report (fence %d)",
		e.Atom, e.Drone, orNone(holder), e.Drone, e.Fence)
	p, _ := f.st.Package(e.Atom)
	if c, ok := f.completed[e.Atom]; ok && p.State == projections.Built && c.Fence > e.Fence {
		in.Atoms = []string{e.Atom}
		in.add(&c)
		in.resolve(&c, "built once, by "+c.Drone)
		return
	}
	f.wait(in, e.Atom)
}
