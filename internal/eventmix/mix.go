// Package eventmix generates a realistic stream of farm events, for
// benchmarks and tests of the event log and projections. "Realistic" means
// the shape of a real farm, not a toy: real Gentoo package names (sampled from
// a Macaroni md5-cache), real build durations (from a real emerge.log), leases
// renewed every third of the lease while a build runs, health samples every
// minute per drone, a few failures carrying a real emerge error text, and an
// upload with a SHA-256 and a promotion after every success.
//
// The stream is deterministic for a seed, so a benchmark run is repeatable.
package eventmix

import (
	"container/heap"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
)

var (
	//go:embed atoms.txt
	atomsTxt string
	//go:embed durations.txt
	durationsTxt string
	//go:embed slot-conflict.txt
	slotConflict string
)

// Atoms are the package versions the mix builds.
func Atoms() []string { return strings.Fields(atomsTxt) }

// Durations are real build durations, in emerge.log order.
func Durations() []time.Duration {
	var ds []time.Duration
	for _, f := range strings.Fields(durationsTxt) {
		s, _ := strconv.Atoi(f)
		ds = append(ds, time.Duration(s)*time.Second)
	}
	return ds
}

// Lease and renewal cadence of the mix: the farm defaults.
const (
	lease      = 60 * time.Second
	renewEvery = lease / 3
	healthEvry = time.Minute
)

// Mix yields events one at a time.
type Mix struct {
	rng       *rand.Rand
	atoms     []string
	durations []time.Duration
	next      int // next atom to claim
	cycles    int // how many times the whole list was enqueued
	fence     uint64
	drones    droneHeap
	pending   []events.Event
	start     time.Time
}

// New returns a mix for a farm of the given number of drones.
func New(seed uint64, drones int) *Mix {
	m := &Mix{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), atoms: Atoms(), durations: Durations(),
		start: time.Date(2026, 1, 23, 2, 0, 0, 0, time.UTC)}
	for i := 0; i < drones; i++ {
		d := &drone{id: fmt.Sprintf("drone-%02d", i+1), at: m.start.Add(time.Duration(i) * time.Second)}
		d.nextHealth = d.at
		m.drones = append(m.drones, d)
	}
	heap.Init(&m.drones)
	return m
}

// Generate returns n events of a mix.
func Generate(seed uint64, drones, n int) []events.Event {
	m := New(seed, drones)
	out := make([]events.Event, n)
	for i := range out {
		m.Next(&out[i])
	}
	return out
}

type drone struct {
	id         string
	at         time.Time // when its next event happens
	atom       string
	fence      uint64
	building   bool
	ends       time.Time
	nextHealth time.Time
	idx        int
}

// Next fills e with the next event (Seq is left for the log to assign).
func (m *Mix) Next(e *events.Event) {
	if len(m.pending) > 0 {
		*e = m.pending[0]
		m.pending = m.pending[1:]
		return
	}
	if m.next/len(m.atoms) >= m.cycles { // a new fresh: the whole list again
		m.cycles++
		m.enqueueAll()
		m.Next(e)
		return
	}
	d := m.drones[0]
	now := d.at
	switch {
	case !d.nextHealth.After(now):
		*e = m.health(d, now)
		d.nextHealth = now.Add(healthEvry)
	case !d.building:
		*e = m.claim(d, now)
	case !d.ends.After(now):
		*e = m.finish(d, now)
	default:
		*e = events.Event{Time: now, Type: events.TypeLeaseRenewed, Actor: d.id, Atom: d.atom, Drone: d.id, Fence: d.fence, Lease: lease}
	}
	d.at = m.wake(d, now)
	heap.Fix(&m.drones, d.idx)
}

// wake is when drone d next has something to say.
func (m *Mix) wake(d *drone, now time.Time) time.Time {
	t := d.nextHealth
	if !d.building {
		return now.Add(time.Duration(m.rng.IntN(3000)) * time.Millisecond)
	}
	if r := now.Add(renewEvery); d.ends.After(r) && r.Before(t) {
		t = r
	} else if !d.ends.After(r) && d.ends.Before(t) {
		t = d.ends
	}
	return t.Add(time.Duration(m.rng.IntN(900)) * time.Millisecond)
}

func (m *Mix) enqueueAll() {
	for _, a := range m.atoms {
		m.pending = append(m.pending, events.Event{Time: m.drones[0].at, Type: events.TypeEnqueued, Actor: "operator", Atom: a})
	}
}

func (m *Mix) claim(d *drone, now time.Time) events.Event {
	d.atom = m.atoms[m.next%len(m.atoms)]
	m.next++
	m.fence++
	d.fence, d.building = m.fence, true
	d.ends = now.Add(m.durations[m.rng.IntN(len(m.durations))])
	attempt := uint32(1)
	return events.Event{Time: now, Type: events.TypeClaimed, Actor: "orchestrator", Atom: d.atom, Drone: d.id,
		Fence: d.fence, Lease: lease, Attempt: attempt}
}

func (m *Mix) finish(d *drone, now time.Time) events.Event {
	d.building = false
	if m.rng.IntN(100) < 3 {
		return events.Event{Time: now, Type: events.TypeFailed, Actor: d.id, Atom: d.atom, Drone: d.id, Fence: d.fence,
			Signature: "slot-conflict", Reason: "emerge exited 1", Excerpt: slotConflict}
	}
	sum := sha256.Sum256([]byte(d.atom + strconv.FormatUint(d.fence, 10)))
	size := uint64(20_000 + m.rng.IntN(40_000_000))
	digest := fmt.Sprintf("%x", sum)
	m.pending = append(m.pending,
		events.Event{Time: now.Add(40 * time.Millisecond), Type: events.TypeBinpkgUploaded, Actor: d.id, Atom: d.atom, Drone: d.id, Fence: d.fence, SHA256: digest, Size: size},
		events.Event{Time: now.Add(90 * time.Millisecond), Type: events.TypePromoted, Actor: "orchestrator", Atom: d.atom, SHA256: digest, Size: size})
	return events.Event{Time: now, Type: events.TypeCompleted, Actor: d.id, Atom: d.atom, Drone: d.id, Fence: d.fence}
}

func (m *Mix) health(d *drone, now time.Time) events.Event {
	return events.Event{Time: now, Type: events.TypeDroneHealth, Actor: d.id, Drone: d.id, Health: "healthy",
		CPUPercent: float64(m.rng.IntN(10000)) / 100, MemoryPercent: 30 + float64(m.rng.IntN(4000))/100,
		DiskPercent: 61.5, Load: float64(m.rng.IntN(1600)) / 100}
}

type droneHeap []*drone

func (h droneHeap) Len() int           { return len(h) }
func (h droneHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h droneHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *droneHeap) Push(x any)        { d := x.(*drone); d.idx = len(*h); *h = append(*h, d) }
func (h *droneHeap) Pop() any          { old := *h; d := old[len(old)-1]; *h = old[:len(old)-1]; return d }
