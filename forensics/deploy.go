package forensics

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
)

// Deploy event types added after this package was written are matched by
// name: an older swarm's reader skips types it does not know, a newer one
// names them so.
const (
	typeDeployFailed = "deploy_failed"
	typeRolledBack   = "rolled_back"
)

// skewGrace is how long drones may disagree on their release before it is
// an incident: a rolling deploy restarts them one by one. The field's skew
// lasted days.
const skewGrace = 10 * time.Minute

// forget drops an incident that turned out to be none.
func (f *Finder) forget(in *Incident) {
	f.all = slices.DeleteFunc(f.all, func(x *Incident) bool { return x == in })
}

// deploying follows releases: online drones on different releases (skew,
// until they agree again), and deploys that failed or were rolled back
// (until the remote is deployed to again).
func (f *Finder) deploying(e *events.Event) {
	name := e.Type.String()
	switch {
	case name == typeDeployFailed || name == typeRolledBack:
		in := f.open(KindDeployFailure, e, fmt.Sprintf("deploy to %s: %s", orNone(e.Remote), strings.ReplaceAll(name, "_", " ")))
		if e.Reason != "" {
			in.Summary += ": " + e.Reason
		}
		in.add(e)
		f.deploys[e.Remote] = in
		return
	case e.Type == events.TypeDeployed:
		if in := f.deploys[e.Remote]; in != nil {
			in.add(e)
			in.resolve(e, "deployed again: release "+orNone(e.Version))
			delete(f.deploys, e.Remote)
		}
	}
	switch e.Type {
	case events.TypeDroneRegistered:
		f.reg[e.Actor] = *e
	case events.TypeDroneOnline, events.TypeDroneOffline, events.TypeDeployed:
	default:
		return
	}
	f.skewed(e)
}

// skewed opens, extends or resolves the deploy-skew incident after e.
func (f *Finder) skewed(e *events.Event) {
	versions := map[string][]string{} // release → online drones
	for d := range f.st.Drones() {
		if d.Online {
			versions[d.Version] = append(versions[d.Version], d.ID)
		}
	}
	if len(versions) <= 1 {
		if f.skew != nil {
			f.skew.add(e)
			v := slices.Collect(maps.Keys(versions))
			how := "online drones agree again"
			if len(v) == 1 {
				how += " on release " + orNone(v[0])
			}
			f.skew.resolve(e, how)
			if f.skew.Resolved.Sub(f.skew.Start) < skewGrace {
				f.forget(f.skew) // a rolling deploy, not an incident
			}
			f.skew = nil
		}
		return
	}
	var parts []string
	for _, v := range slices.Sorted(maps.Keys(versions)) {
		parts = append(parts, fmt.Sprintf("%s on %s", strings.Join(versions[v], ","), orNone(v)))
	}
	summary := "deploy skew: online drones run different releases: " + strings.Join(parts, "; ")
	if f.skew == nil {
		in := f.open(KindDeploySkew, e, summary)
		for _, r := range sortedBySeq(f.reg) {
			if d, ok := f.st.Drone(r.Actor); ok && d.Online {
				in.add(&r)
			}
		}
		if len(in.Timeline) == 0 || in.Timeline[len(in.Timeline)-1].Seq != e.Seq {
			in.add(e)
		}
		f.skew = in
	} else {
		f.skew.add(e)
	}
	f.skew.Summary = summary
	for _, ids := range versions {
		for _, id := range ids {
			f.skew.Drones = addUnique(f.skew.Drones, id)
		}
	}
}
