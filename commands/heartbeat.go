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
}

// BeatAnswer is what the farm tells the drone back.
type BeatAnswer struct {
	Drop          []Dropped
	Paused        string // the pause's reason; "" when dispatching
	Grounded      bool
	GroundedUntil time.Time
}

// Heartbeat records a drone's heartbeat at now: it is online, its health
// and resources, and a renewed lease (with progress) for every build it
// still holds. Builds it reports that are no longer its own are answered
// in answer.Drop. A claim it holds but did not report is left to its lease:
// the claim may have been granted while this heartbeat was on its way.
func Heartbeat(r Rules, now time.Time, drone string, b Beat, answer *BeatAnswer) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		d, ok := st.Drone(drone)
		if !ok {
			return nil, fmt.Errorf("heartbeat from %s: %w", drone, ErrUnknownDrone)
		}
		var evs []events.Event
		if !d.Online {
			evs = append(evs, events.Event{Type: events.TypeDroneOnline, Actor: drone, Drone: drone})
		}
		evs = append(evs, events.Event{Type: events.TypeDroneHealth, Actor: drone, Drone: drone, Health: b.Health, Tree: b.Tree,
			CPUPercent: b.CPUPercent, MemoryPercent: b.MemoryPercent, DiskPercent: b.DiskPercent, Load: b.Load})
		if fp := b.Portage.Fingerprint(); fp != "" && fp != d.Fingerprint {
			evs[len(evs)-1].Portage, evs[len(evs)-1].Fingerprint = b.Portage.Pairs(), fp
		}
		var ans BeatAnswer
		for _, t := range b.Tasks {
			p, ok := st.Package(t.Atom)
			if ok && p.State == projections.Building && p.Drone == drone && p.Fence == t.Fence {
				evs = append(evs, events.Event{Type: events.TypeLeaseRenewed, Actor: drone, Atom: t.Atom, Drone: drone,
					Fence: t.Fence, Lease: r.Lease, Progress: t.Progress})
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
