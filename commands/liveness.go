package commands

import (
	"sync"
	"time"

	"github.com/swarm-build/swarm/projections"
)

// Liveness is what heartbeats say between the events: when each drone was
// last heard from, and when each build it holds was last reported (and last
// made progress). It lives in the orchestrator's memory, not in the log.
//
// Why: a heartbeat every 15 seconds per drone, and a lease renewal per held
// build per heartbeat, made about 5,760 events per idle drone per day and
// drowned every other event. None of them is a decision. The decisions are
// the log's: a drone going offline or coming online, a health state change,
// a reclaim or a stall, each with its reason; Maintain makes them from this
// record and writes them, so a replay folds the same decisions without
// needing the heartbeats that led to them.
//
// Lost on a restart by design: Maintain counts silence, leases and stalls
// from no earlier than the orchestrator's start (its since), exactly as it
// did when the log held the renewals, since nobody could heartbeat while it
// was down. A build's progress counter seen first after a restart counts as
// progress, which gives a stalled build at most one more StallAfter.
//
// The zero value is not ready; use NewLiveness. A nil *Liveness knows
// nothing (Maintain then judges from the log alone). Safe for concurrent use.
type Liveness struct {
	mu     sync.Mutex
	drones map[string]time.Time // by drone: its last heartbeat
	builds map[string]buildLive // by atom: the claim its drone last reported
}

// buildLive is a held build as its drone's heartbeats report it.
type buildLive struct {
	fence      uint64
	renewed    time.Time // its last report: the lease runs from here
	progress   uint64    // the largest progress counter reported
	progressAt time.Time // when progress last grew; zero: not since this orchestrator started
}

// NewLiveness returns an empty record.
func NewLiveness() *Liveness {
	return &Liveness{drones: make(map[string]time.Time), builds: make(map[string]buildLive)}
}

// seen records a heartbeat from drone at now.
func (l *Liveness) seen(drone string, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.drones[drone]) {
		l.drones[drone] = now
	}
}

// renewed records that the claim (atom, fence) was reported by its holder
// at now with progress counter progress.
func (l *Liveness) renewed(atom string, fence uint64, progress uint64, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.builds[atom]
	if b.fence != fence {
		b = buildLive{fence: fence}
	}
	if now.After(b.renewed) {
		b.renewed = now
	}
	if progress > b.progress {
		b.progress, b.progressAt = progress, now
	}
	l.builds[atom] = b
}

// LastSeen returns drone's last heartbeat; zero if none since the start.
func (l *Liveness) LastSeen(drone string) time.Time {
	if l == nil {
		return time.Time{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.drones[drone]
}

// build returns what heartbeats said of p's current claim.
func (l *Liveness) build(p projections.Package) buildLive {
	if l == nil {
		return buildLive{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.builds[p.Atom]; ok && b.fence == p.Fence {
		return b
	}
	return buildLive{}
}

// forget drops the builds whose claim has ended in st (reclaimed, done,
// dequeued, claimed again) and the drones st no longer knows, so the record
// stays as large as the live farm.
func (l *Liveness) forget(st *projections.State) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for atom, b := range l.builds {
		if p, ok := st.Package(atom); !ok || p.State != projections.Building || p.Fence != b.fence {
			delete(l.builds, atom)
		}
	}
	for id := range l.drones {
		if _, ok := st.Drone(id); !ok {
			delete(l.drones, id)
		}
	}
}

// leaseUntil is when p's claim lapses: a lease from its claim (or, in a log
// written before liveness left it, its last lease_renewed event), from its
// holder's last report of it, and from since.
func (l *Liveness) leaseUntil(p projections.Package, since time.Time) time.Time {
	b := l.build(p)
	until := later(p.LeaseUntil, since.Add(p.Lease))
	if !b.renewed.IsZero() {
		until = later(until, b.renewed.Add(p.Lease))
	}
	return until
}

// progressAt is when p's build last made progress, as far as the log and
// the heartbeats since the start say.
func (l *Liveness) progressAt(p projections.Package, since time.Time) time.Time {
	return later(later(p.ProgressAt, l.build(p).progressAt), since)
}

// heardAt is when drone d was last heard from: its own last event, its last
// heartbeat, or since.
func (l *Liveness) heardAt(d projections.Drone, since time.Time) time.Time {
	return later(later(d.LastSeen, l.LastSeen(d.ID)), since)
}
