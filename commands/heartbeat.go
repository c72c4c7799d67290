package commands

import (
	"fmt"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/projections"
)

// TaskReport is a build a drone says it holds.
type TaskReport struct {
	Atom     string
	Fence    uint64
	Progress uint64 // the build's progress counter (api.Task.Progress): only its growth matters
}

// Dropped is a build the drone must stop: its claim is no longer the
// drone's own.
type Dropped struct {
	Atom   string
	Fence  uint64
	Reason string
}

// Beat is one heartbeat.
type Beat struct {
	Health                                       string
	CPUPercent, MemoryPercent, DiskPercent, Load float64
	Tasks                                        []TaskReport
	Tree                                         string // its portage tree identity; "" = unchanged
	// Portage is its portage configuration when it changed; nil = unchanged.
	Portage portage.Settings
	Version string // the release it runs; "" = not said
}

// BeatAnswer is what the farm tells the drone back.
type BeatAnswer struct {
	Drop          []Dropped
	Paused        string // the pause's reason; "" when dispatching
	Grounded      bool
	GroundedUntil time.Time
}

// Heartbeat takes a drone's heartbeat at now. Its liveness goes to live
// (in memory): the drone was heard from, and every build it reports that is
// still its own claim is renewed, with its progress. The log gets only what
// a decision depends on: drone_online when the farm had it offline, and a
// drone_health event when its health, tree or portage configuration
// changed, or when its last resource sample is Rules.SampleEvery old. An
// idle, healthy drone so costs a few events an hour, not one per beat.
//
// Builds it reports that are no longer its own are answered in
// answer.Drop. A claim it holds but did not report is left to its lease:
// the claim may have been granted while this heartbeat was on its way.
func Heartbeat(r Rules, now time.Time, drone string, b Beat, live *Liveness, answer *BeatAnswer) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		d, ok := st.Drone(drone)
		if !ok {
			return nil, fmt.Errorf("heartbeat from %s: %w", drone, ErrUnknownDrone)
		}
		live.seen(drone, now)
		var evs []events.Event
		if !d.Online {
			evs = append(evs, events.Event{Type: events.TypeDroneOnline, Actor: drone, Drone: drone})
		}
		if h := healthEvent(r, now, d, b, live == nil); h != nil {
			evs = append(evs, *h)
		}
		var ans BeatAnswer
		for _, t := range b.Tasks {
			p, ok := st.Package(t.Atom)
			if ok && p.State == projections.Building && p.Drone == drone && p.Fence == t.Fence {
				if live == nil { // no memory to keep it in: the log is the record
					evs = append(evs, events.Event{Type: events.TypeLeaseRenewed, Actor: drone, Atom: t.Atom, Drone: drone,
						Fence: t.Fence, Lease: r.Lease, Progress: t.Progress})
				}
				live.renewed(t.Atom, t.Fence, t.Progress, now)
				continue
			}
			ans.Drop = append(ans.Drop, Dropped{Atom: t.Atom, Fence: t.Fence, Reason: lostReason(p, ok)})
		}
		if st.Paused != nil {
			ans.Paused = st.Paused.Reason
		}
		if d.GroundedAt(now) {
			ans.Grounded, ans.GroundedUntil = true, d.GroundedUntil
		}
		if answer != nil {
			*answer = ans
		}
		return evs, nil
	}
}

// healthEvent is the drone_health event a heartbeat needs, or nil: when the
// drone's health, tree or portage configuration changed, when its resources
// were last sampled SampleEvery ago or longer (or never), or always when
// every is set (no liveness: the log is the only record).
func healthEvent(r Rules, now time.Time, d projections.Drone, b Beat, every bool) *events.Event {
	e := events.Event{Type: events.TypeDroneHealth, Actor: d.ID, Drone: d.ID, Health: b.Health, Tree: b.Tree,
		CPUPercent: b.CPUPercent, MemoryPercent: b.MemoryPercent, DiskPercent: b.DiskPercent, Load: b.Load}
	if b.Version != "" && b.Version != d.Version {
		e.Version = b.Version
	}
	if fp := b.Portage.Fingerprint(); fp != "" && fp != d.Fingerprint {
		e.Portage, e.Fingerprint = b.Portage.Pairs(), fp
	}
	changed := (b.Health != "" && projections.Health(b.Health) != d.Health) ||
		(b.Tree != "" && b.Tree != d.Tree) || e.Fingerprint != "" || e.Version != ""
	due := d.SampledAt.IsZero() || r.SampleEvery <= 0 || now.Sub(d.SampledAt) >= r.SampleEvery
	if !every && !changed && !due {
		return nil
	}
	return &e
}

// lostReason says why a claim a drone reports is not its own any more.
func lostReason(p projections.Package, known bool) string {
	switch {
	case !known:
		return "no longer in the queue"
	case p.State == projections.Building:
		return "reclaimed: now building on " + p.Drone
	case p.State == projections.Built:
		return "already built by " + p.BuiltBy
	}
	return "reclaimed: the package is " + string(p.State)
}
