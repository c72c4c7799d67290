package commands

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/projections"
)

// WhyReason is one reason a package is not building, with the drones it
// rules out (none when it stands in every drone's way).
type WhyReason struct {
	Reason string   `json:"reason"`
	Drones []string `json:"drones"`
}

// WhyAnswer is `swarm why`: where a package stands and every reason it is
// not building now.
type WhyAnswer struct {
	Atom     string                   `json:"atom"`
	State    projections.PackageState `json:"state"`
	Position int                      `json:"position,omitempty"` // among needed packages, from 1
	Reasons  []WhyReason              `json:"reasons"`
	// Able lists the drones that could take it right now: it waits only for
	// one of them to ask (or for the packages ahead of it).
	Able []string `json:"able"`
}

// Why explains, at now, why atom is not building: the same rules Dispatch
// applies, each with the drones it rules out. A reason that rules out every
// drone comes first.
func Why(r Rules, st *projections.State, atom string, now time.Time) (WhyAnswer, error) {
	if key, found := st.Lookup(atom); found {
		atom = key
	}
	p, ok := st.Package(atom)
	if !ok {
		return WhyAnswer{}, fmt.Errorf("why %s: %w", atom, ErrUnknownPackage)
	}
	ans := WhyAnswer{Atom: atom, State: p.State, Reasons: []WhyReason{}, Able: []string{}}
	add := func(reason string, drone string) {
		for i := range ans.Reasons {
			if ans.Reasons[i].Reason == reason {
				if drone != "" {
					ans.Reasons[i].Drones = append(ans.Reasons[i].Drones, drone)
				}
				return
			}
		}
		w := WhyReason{Reason: reason, Drones: []string{}}
		if drone != "" {
			w.Drones = append(w.Drones, drone)
		}
		ans.Reasons = append(ans.Reasons, w)
	}
	switch p.State {
	case projections.Building:
		add(fmt.Sprintf("it is building on %s (attempt %d, %s)", p.Drone, p.Attempts+1, leaseNote(st, p, now)), "")
		return ans, nil
	case projections.Built:
		add("it is built (by "+p.BuiltBy+")", "")
		return ans, nil
	case projections.Failed:
		stalls := ""
		if p.Stalls > 0 {
			stalls = fmt.Sprintf("; it stalled %d times", p.Stalls)
		}
		add(fmt.Sprintf("it failed on %s (last: %s%s); 'swarm enqueue %s' queues it again",
			strings.Join(p.FailedOn, ", "), p.LastFailure, stalls, atom), "")
		return ans, nil
	case projections.Excluded:
		for _, x := range st.Exclusions() {
			if x.Drone == "" && projections.MatchPattern(x.Pattern, atom) {
				add(fmt.Sprintf("excluded by %q%s", x.Pattern, because(x.Reason)), "")
			}
		}
		return ans, nil
	case projections.Blocked:
		if p.Held != "" {
			add(p.Held, "")
			return ans, nil
		}
		add(fmt.Sprintf("blocked: it needs capabilities %v and no known drone has them all", p.Requires), "")
		return ans, nil
	}
	if p.Stalls > 0 {
		add(fmt.Sprintf("it keeps stalling: %d builds made no progress for %s (failed on %s)",
			p.Stalls, r.StallAfter, strings.Join(p.FailedOn, ", ")), "")
	}
	if unmet := st.Unmet(&p); len(unmet) > 0 {
		add(fmt.Sprintf("it waits for %d of its dependencies to be built: %s", len(unmet), strings.Join(unmet, ", ")), "")
	} else {
		for q := range st.Needed() {
			ans.Position++
			if q.Atom == atom {
				break
			}
		}
	}
	if st.Paused != nil {
		add("dispatching is paused: "+st.Paused.Reason, "")
	}
	exclusions := st.Exclusions()
	pkg := &p
	drones := slices.SortedFunc(st.Drones(), func(a, b *projections.Drone) int { return cmp.Compare(a.ID, b.ID) })
	if len(drones) == 0 {
		add("no drone has registered", "")
	}
	for _, d := range drones {
		why := droneBlockers(r, st, d, now)
		if pkg != nil {
			if w := packageBlocker(r, st, d, pkg, exclusions, now); w != "" {
				why = append(why, w)
			}
		}
		if len(why) == 0 && d.SlotsFree() == 0 {
			why = append(why, "busy: every slot is building")
		}
		for _, w := range why {
			add(w, d.ID)
		}
		if len(why) == 0 && st.Paused == nil {
			ans.Able = append(ans.Able, d.ID)
		}
	}
	if len(ans.Able) > 0 && ans.Position > 1 && len(st.Unmet(&p)) == 0 {
		add(fmt.Sprintf("it waits its turn: %d needed packages are ahead of it", ans.Position-1), "")
	}
	return ans, nil
}

// leaseNote says how long a build's claim holds. The log records a claim's
// lease, and renewals only in logs written before issue 10; since then
// heartbeats renew it in the orchestrator's memory, and its end is a
// reclaimed event. So past its recorded lease, a claim whose drone the log
// still has online is held by that drone's heartbeats.
func leaseNote(st *projections.State, p projections.Package, now time.Time) string {
	if d, ok := st.Drone(p.Drone); ok && d.Online && !now.Before(p.LeaseUntil) {
		return "held while " + p.Drone + " is online and reports it"
	}
	return "lease until " + p.LeaseUntil.UTC().Format(time.RFC3339)
}
