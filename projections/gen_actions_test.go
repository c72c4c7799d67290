package projections

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
)

var signatures = []string{"slot-conflict", "compile-error", "fetch-failed", "oom-killed"}

// finish ends a claim: mostly built, sometimes failed, returned or reclaimed.
func (f *farm) finish() {
	p := f.busy()
	if p == nil {
		return
	}
	e := events.Event{Actor: p.Drone, Drone: p.Drone, Atom: p.Atom, Fence: p.Fence}
	switch r := f.rng.IntN(100); {
	case r < 60:
		e.Type, e.SHA256, e.Size = events.TypeCompleted, "ab12", 4096
		f.emit(e)
		if f.rng.IntN(2) == 0 {
			f.emit(events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: p.Atom})
		}
		return
	case r < 85:
		e.Type, e.Signature, e.Excerpt = events.TypeFailed, f.pick(signatures), "error: …"
		e.Final = len(p.FailedOn) >= 1 && f.rng.IntN(2) == 0
		if f.rng.IntN(4) == 0 {
			e.Signature, e.Reason = "", "exit status 1"
		}
	case r < 93:
		e.Type, e.Reason = events.TypeReturned, "critical: memory"
		if f.rng.IntN(2) == 0 {
			e.Fence = 0 // returned by drone, not by fence
		}
	default:
		e.Type, e.Actor, e.Reason = events.TypeReclaimed, "orchestrator", "lease expired"
		if f.rng.IntN(2) == 0 {
			e.Drone, e.Fence = "", 0
		}
	}
	f.emit(e)
}

func (f *farm) droneHealth() {
	id := f.pick(f.drones)
	if f.s.drones[id] == nil {
		return
	}
	e := events.Event{Actor: id, Drone: id}
	switch r := f.rng.IntN(100); {
	case r < 70:
		e.Type = events.TypeDroneHealth
		e.Health = []string{"healthy", "healthy", "healthy", "degraded", "critical", "recovering"}[f.rng.IntN(6)]
		e.CPUPercent, e.MemoryPercent = float64(f.rng.IntN(10000))/100, float64(f.rng.IntN(10000))/100
		e.DiskPercent, e.Load = float64(f.rng.IntN(10000))/100, float64(f.rng.IntN(3200))/100
	case r < 78:
		e.Type, e.Actor = events.TypeDroneOffline, "orchestrator"
	case r < 86:
		e.Type = events.TypeDroneOnline
	case r < 94:
		e.Type, e.Actor, e.Reason = events.TypeGrounded, "orchestrator", "5 consecutive failures"
		if f.rng.IntN(3) > 0 {
			e.Until = f.now.Add(time.Duration(1+f.rng.IntN(10)) * time.Minute)
		}
	default:
		e.Type, e.Actor = events.TypeUngrounded, "operator"
	}
	f.emit(e)
}

// operator does the rarer things: pause, resume, dequeue, re-enqueue,
// exclusions, freshes, reclaims of expired leases.
func (f *farm) operator() {
	switch r := f.rng.IntN(100); {
	case r < 5:
		f.emit(events.Event{Type: events.TypeQueuePaused, Actor: "orchestrator", Reason: "systemic failure: slot-conflict on 3 drones"})
	case r < 25:
		if f.s.Paused != nil {
			f.emit(events.Event{Type: events.TypeQueueResumed, Actor: "operator"})
		}
	case r < 35:
		if a := f.findAtom(PackageState([]string{"needed", "built", "failed"}[f.rng.IntN(3)])); a != "" {
			f.emit(events.Event{Type: events.TypeDequeued, Actor: "operator", Atom: a})
		}
	case r < 55:
		if a := f.findAtom(PackageState([]string{"built", "failed"}[f.rng.IntN(2)])); a != "" {
			f.emit(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: a})
		}
	case r < 57:
		if f.rng.Float64() < f.exclude {
			f.exclusion()
		}
	case r < 65:
		tree := fmt.Sprintf("2026-02-%02dT00:45Z", 5+f.rng.IntN(20))
		f.emit(events.Event{Type: events.TypeFreshStarted, Actor: "operator", Tree: tree})
		f.emit(events.Event{Type: events.TypeFreshCompleted, Actor: "operator", Tree: tree, Count: uint64(200 + f.rng.IntN(100))})
	default:
		if p := f.busy(); p != nil && !f.now.Before(p.LeaseUntil) {
			f.emit(events.Event{Type: events.TypeReclaimed, Actor: "orchestrator", Atom: p.Atom, Drone: p.Drone, Fence: p.Fence, Reason: "lease expired"})
		}
	}
}

func (f *farm) exclusion() {
	pattern := fmt.Sprintf("cat-%d/*", f.rng.IntN(7))
	if f.rng.IntN(8) > 0 && len(f.atoms) > 0 {
		pattern = packageName(f.pick(f.atoms))
	}
	if len(f.s.exclusions) > 0 && f.rng.IntN(2) == 0 {
		x := f.s.exclusions[f.rng.IntN(len(f.s.exclusions))]
		pattern = x.Pattern
	}
	e := events.Event{Type: events.TypeExcluded, Actor: "operator", Pattern: pattern, Reason: "broken upstream"}
	if f.rng.IntN(4) == 0 {
		e.Drone = f.pick(f.drones)
	}
	if f.s.exclusionIndex(pattern, e.Drone) >= 0 {
		e.Type = events.TypeIncluded
	}
	f.emit(e)
}

// unfit queues an event that does not fit the state.
func (f *farm) unfit() {
	e := events.Event{Actor: f.pick(f.drones), Atom: "nowhere/unknown-1.0", Fence: f.fence + 100}
	e.Type = []events.Type{events.TypeClaimed, events.TypeCompleted, events.TypeFailed,
		events.TypeLeaseRenewed, events.TypeReturned, events.TypeReclaimed, events.TypeDequeued}[f.rng.IntN(7)]
	if p := f.busy(); p != nil && f.rng.IntN(2) == 0 {
		e.Atom, e.Drone, e.Fence = p.Atom, p.Drone, p.Fence-1 // a stale fence
	}
	f.emit(e)
}

// noted does what status names without a walk (index.go): a stall, a
// build that cannot start, a promotion of a CPV, a prune, a package queued
// again under another spelling of its CPV.
func (f *farm) noted() {
	switch r := f.rng.IntN(100); {
	case r < 25:
		if p := f.busy(); p != nil {
			f.emit(events.Event{Type: events.TypeFailed, Actor: "orchestrator", Drone: p.Drone, Atom: p.Atom, Fence: p.Fence,
				Signature: SignatureStalled, Final: len(p.FailedOn) >= 1 && f.rng.IntN(3) == 0})
		}
	case r < 40:
		if p := f.busy(); p != nil {
			e := events.Event{Type: events.TypeStartFailed, Actor: p.Drone, Drone: p.Drone, Atom: p.Atom, Fence: p.Fence,
				Final: f.rng.IntN(2) == 0}
			if f.rng.IntN(2) == 0 {
				e.Reason = "emerge: no ebuild"
			}
			f.emit(e)
		}
	case r < 70:
		atom := f.findAtom(Built)
		if atom == "" && len(f.atoms) > 0 {
			atom = f.pick(f.atoms)
		}
		if atom == "" {
			return
		}
		cpv := buildKey(atom)
		if f.rng.IntN(5) == 0 {
			cpv = buildKey(f.pick(f.atoms)) // another package's CPV
		}
		e := events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: atom, CPV: cpv,
			BuildID: f.s.NextBuildID(cpv), Size: uint64(1 + f.rng.IntN(1<<20))}
		e.Path = fmt.Sprintf("%s-%d.gpkg.tar", cpv, e.BuildID)
		if f.rng.IntN(6) == 0 {
			e.CPV, e.BuildID, e.Path = "", 0, "" // a log older than the binhost
		}
		f.emit(e)
	case r < 85:
		var live []Build
		for _, bs := range f.s.builds {
			for _, b := range bs {
				if b.Pruned == 0 {
					live = append(live, b)
				}
			}
		}
		if len(live) > 0 {
			slices.SortFunc(live, func(a, b Build) int { return cmp.Or(cmp.Compare(a.CPV, b.CPV), cmp.Compare(a.BuildID, b.BuildID)) })
			b := live[f.rng.IntN(len(live))]
			f.emit(events.Event{Type: events.TypePruned, Actor: "orchestrator", Atom: b.Atom, CPV: b.CPV, BuildID: b.BuildID,
				Path: b.Path, Reason: "retention"})
		}
	default:
		if len(f.atoms) == 0 {
			return
		}
		// A package queued under another spelling of a CPV, or one built or
		// failed queued again, with a dependency or none.
		cpv := buildKey(f.pick(f.atoms))
		atom := []string{"=" + cpv, cpv + ":0::gentoo", "=" + cpv + ":0", cpv}[f.rng.IntN(4)]
		if a := f.findAtom(PackageState([]string{"built", "failed"}[f.rng.IntN(2)])); a != "" && f.rng.IntN(2) == 0 {
			atom = a
		} else {
			f.atoms = append(f.atoms, atom)
		}
		e := events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: atom}
		if f.rng.IntN(2) == 0 {
			e.Deps = []string{f.pick(f.atoms)}
		}
		f.emit(e)
	}
}
