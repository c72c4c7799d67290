package forensics

import (
	"fmt"
	"slices"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// keepClaims is how many of a package's claims a Finder remembers: enough
// to find the stale one a refused report names.
const keepClaims = 4

// claimed remembers e, a claim, among its package's last claims.
func (f *Finder) claimed(e *events.Event) {
	list := append(f.claims[e.Atom], *e)
	if len(list) > keepClaims {
		list = slices.Delete(list, 0, len(list)-keepClaims)
	}
	f.claims[e.Atom] = list
}

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
	var holder string
	for _, c := range f.claims[e.Atom] {
		if c.Fence < e.Fence {
			continue
		}
		in.add(&c)
		if c.Fence > e.Fence {
			holder = c.Drone
			in.Drones = addUnique(in.Drones, c.Drone)
		}
		if r, ok := f.reclaims[c.Atom]; ok && r.Fence == c.Fence {
			in.add(&r)
		}
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
