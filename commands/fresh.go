package commands

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/schedule"
)

// FreshPackage is one package a fresh plan wants built.
type FreshPackage struct {
	Atom string   // as emerge prints it
	Use  []string // the flags it is built with: USE and USE_EXPAND (abi_x86_32 ...), enabled only
	Deps []int    // indexes in the plan's Builds of the packages it needs built first
	// Keywords are its ebuild's KEYWORDS, when the tree's metadata was read
	// (for capability routing by arch).
	Keywords []string
}

// FreshPlan is what `swarm fresh` read from emerge --pretend.
type FreshPlan struct {
	Tree     string         // the portage tree's identity
	Builds   []FreshPackage // [ebuild] lines: to build
	Binaries int            // [binary] lines: already available, counted in the world
	// Full builds everything again: what is built is queued anew (a new
	// toolchain, a profile change). By default a fresh is incremental.
	Full bool
}

// FreshDiff is the plan's difference from the queue it replaced.
type FreshDiff struct {
	Added   []string // new to the queue
	Removed []string // no longer wanted: dequeued
	Changed []string // wanted with other USE flags: built again
	Retried []string // had failed; a new tree gives them another chance
	Kept    int      // wanted as they are: left as they stand (built stays built)
}

// Fresh replaces the queue with plan in one append: packages no longer
// wanted are dequeued, new ones enqueued with their capabilities, ones
// wanted with other USE flags queued again, and what is built for the same
// version and USE stays built. A fresh also lifts every grounding and the
// pause: they were judged against the old tree, and the stale-queue
// incident showed what safety systems fed stale state do. diff receives
// what changed.
func Fresh(actor string, plan FreshPlan, routing Routing, diff *FreshDiff) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		keys := make([]string, len(plan.Builds))
		for i, b := range plan.Builds {
			k, err := ParseAtoms([]string{b.Atom})
			if err != nil {
				return nil, err
			}
			keys[i] = k[0]
		}
		prio, err := priorities(st, plan.Builds, keys)
		if err != nil {
			return nil, err
		}
		var d FreshDiff
		evs := []events.Event{{Type: events.TypeFreshStarted, Actor: actor, Tree: plan.Tree}}
		if st.Paused != nil {
			evs = append(evs, events.Event{Type: events.TypeQueueResumed, Actor: actor, Reason: "fresh: new plan"})
		}
		for dr := range st.Drones() {
			if dr.Grounded {
				evs = append(evs, events.Event{Type: events.TypeUngrounded, Actor: actor, Drone: dr.ID, Reason: "fresh: new plan"})
			}
		}
		wanted := make(map[string]bool, len(keys))
		for _, k := range keys {
			wanted[k] = true
		}
		for _, row := range st.QueueList("") {
			if !wanted[row.Atom] {
				evs = append(evs, events.Event{Type: events.TypeDequeued, Actor: actor, Atom: row.Atom, Reason: "fresh: no longer wanted"})
				d.Removed = append(d.Removed, row.Atom)
			}
		}
		seen := make(map[string]bool, len(keys))
		for i, b := range plan.Builds {
			k := keys[i]
			if seen[k] {
				continue
			}
			seen[k] = true
			use := useKey(b.Use)
			enq := events.Event{Type: events.TypeEnqueued, Actor: actor, Atom: k, Use: use,
				Capabilities: routing.Requires(k, b.Use, b.Keywords), Priority: uint64(prio[i].Milliseconds())}
			for _, j := range b.Deps {
				enq.Deps = append(enq.Deps, keys[j])
			}
			p, ok := st.Package(k)
			switch {
			case !ok:
				evs = append(evs, enq)
				d.Added = append(d.Added, k)
			case p.Use != use:
				if p.State != projections.Built && p.State != projections.Failed {
					evs = append(evs, events.Event{Type: events.TypeDequeued, Actor: actor, Atom: k, Reason: "fresh: USE changed"})
				}
				evs = append(evs, enq)
				d.Changed = append(d.Changed, k)
			case p.State == projections.Failed || p.Held != "": // a fresh that wants it releases a hold
				evs = append(evs, enq)
				d.Retried = append(d.Retried, k)
			case plan.Full && p.State == projections.Built:
				evs = append(evs, enq)
				d.Changed = append(d.Changed, k)
			default:
				d.Kept++
			}
		}
		evs = append(evs, events.Event{Type: events.TypeFreshCompleted, Actor: actor, Tree: plan.Tree,
			Count: uint64(len(seen) + plan.Binaries), Size: uint64(plan.Binaries)})
		if diff != nil {
			*diff = d
		}
		return evs, nil
	}
}

// useKey is the canonical form of a USE set: sorted, unique, space-separated.
func useKey(use []string) string {
	u := slices.Clone(use)
	slices.Sort(u)
	return strings.Join(slices.Compact(u), " ")
}

// String summarises the diff in one line.
func (d FreshDiff) String() string {
	return fmt.Sprintf("%d added, %d removed, %d changed, %d retried, %d kept",
		len(d.Added), len(d.Removed), len(d.Changed), len(d.Retried), d.Kept)
}

// minWork is the least expected time of a build in the plan, so that with
// no history at all the priorities still rank the longest chains first.
const minWork = time.Second

// priorities is the scheduler's plan for the builds: each one's remaining
// critical path by expected durations (the farm's history, else estimates
// by category; see schedule.Estimates).
func priorities(st *projections.State, builds []FreshPackage, keys []string) ([]time.Duration, error) {
	est := schedule.NewEstimates(st.ExpectedAll())
	jobs := make([]schedule.Job, len(builds))
	for i, b := range builds {
		w, _ := est.Work(projections.CP(keys[i]))
		jobs[i] = schedule.Job{ID: keys[i], Work: max(w, minWork), Deps: b.Deps}
	}
	prio, err := schedule.Priorities(jobs)
	if err != nil {
		return nil, fmt.Errorf("fresh: plan the builds: %w", err)
	}
	return prio, nil
}
