package projections

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/swarm-build/swarm/events"
)

// farm generates event sequences that look like a farm's day: drones
// register and report health, batches are enqueued, drones claim, renew,
// complete, fail and return, the orchestrator reclaims and grounds, the
// operator pauses, excludes and freshes. It decides against its own State,
// like the deciders in commands/ would, so its events are valid; a small share
// are deliberately not (stale fences, unknown atoms), to exercise totality.
// Everything is drawn from one seeded generator: same seed, same events.
type farm struct {
	rng     *rand.Rand
	s       *State
	now     time.Time
	fence   uint64
	drones  []string
	atoms   []string // queued atoms, in enqueue order
	nextPkg int
	pending []events.Event
	invalid float64 // share of deliberately unfit events
	exclude float64 // share of exclusion turns that do exclude (a real farm: a few a day)
	// requires is the share of new packages that need the "lto"
	// capability (0 keeps the stream, and the golden files, as they were).
	requires float64
	// notes is the share of steps that do what status names (stalls,
	// held packages, promotions of a CPV and prunes, atoms queued as
	// "=cat/pkg-1" or with a slot); 0 keeps the stream as it was.
	notes float64
}

var t0 = time.Date(2026, 2, 5, 10, 0, 0, 0, time.UTC)

func newFarm(seed uint64, drones int) *farm {
	f := &farm{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), s: New(), now: t0, invalid: 0.03, exclude: 1}
	for i := range drones {
		f.drones = append(f.drones, fmt.Sprintf("drone-%02d", i))
	}
	return f
}

// events returns the next n events, applied to f's own State.
func (f *farm) events(n int) []events.Event {
	out := make([]events.Event, 0, n)
	for len(out) < n {
		if len(f.pending) == 0 {
			f.step()
			continue
		}
		e := f.pending[0]
		f.pending = f.pending[1:]
		f.now = f.now.Add(time.Duration(f.rng.IntN(20_000)) * time.Millisecond)
		e.Seq, e.Time = f.s.Seq+1, f.now
		f.s.Apply(&e)
		out = append(out, e)
	}
	return out
}

// fill registers every drone and enqueues n packages, as a farm's first
// fresh would.
func (f *farm) fill(n int) []events.Event {
	for _, id := range f.drones {
		f.emit(events.Event{Type: events.TypeDroneRegistered, Actor: id, Drone: id, Cores: 32, MemoryMB: 65536})
	}
	for range n {
		atom := fmt.Sprintf("cat-%d/pkg%d-%d.%d", f.nextPkg%7, f.nextPkg, 1+f.nextPkg%5, f.nextPkg%10)
		f.nextPkg++
		f.atoms = append(f.atoms, atom)
		f.emit(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: atom})
	}
	return f.events(len(f.pending))
}

func (f *farm) emit(e events.Event) { f.pending = append(f.pending, e) }

func (f *farm) pick(list []string) string { return list[f.rng.IntN(len(list))] }

// step decides one action and queues its events.
func (f *farm) step() {
	if f.rng.Float64() < f.invalid {
		f.unfit()
		return
	}
	if f.notes > 0 && f.rng.Float64() < f.notes {
		f.noted()
		return
	}
	switch r := f.rng.IntN(100); {
	case r < 1 || len(f.s.drones) < len(f.drones)/2:
		f.register()
	case r < 2 || f.s.Count(Needed) < 20:
		f.enqueueBatch()
	case r < 27:
		f.claim()
	case r < 45:
		f.renew()
	case r < 67:
		f.finish()
	case r < 95:
		f.droneHealth()
	default:
		f.operator()
	}
}

func (f *farm) register() {
	id := f.pick(f.drones)
	f.emit(events.Event{Type: events.TypeDroneRegistered, Actor: id, Drone: id,
		Cores: uint32(4 << f.rng.IntN(4)), MemoryMB: 16384, Version: "v0.1." + fmt.Sprint(f.rng.IntN(3)),
		Capabilities: []string{"amd64", "lto"}[:f.rng.IntN(3)], Tree: "2026-02-05"})
}

func (f *farm) enqueueBatch() {
	for range 1 + f.rng.IntN(40) {
		atom := fmt.Sprintf("cat-%d/pkg%d-%d.%d", f.nextPkg%7, f.nextPkg, 1+f.nextPkg%5, f.nextPkg%10)
		f.nextPkg++
		f.atoms = append(f.atoms, atom)
		e := events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: atom}
		if f.requires > 0 && f.rng.Float64() < f.requires {
			e.Capabilities = []string{"lto"}
		}
		f.emit(e)
	}
}

// findAtom returns a queued atom in state st, or "".
func (f *farm) findAtom(st PackageState) string {
	for range 16 {
		if len(f.atoms) == 0 {
			return ""
		}
		if a := f.pick(f.atoms); f.s.packages[a] != nil && f.s.packages[a].State == st {
			return a
		}
	}
	return ""
}

// busy returns a building package and its claimant, or nil.
func (f *farm) busy() *Package {
	var holders []string
	for _, id := range f.drones {
		if d := f.s.drones[id]; d != nil && len(d.Tasks) > 0 {
			holders = append(holders, id)
		}
	}
	if len(holders) == 0 {
		return nil
	}
	return f.s.packages[f.pick(f.s.drones[f.pick(holders)].Tasks)]
}

// claim has a drone that may claim (online, not grounded, healthy, not too
// busy) take a needed package.
func (f *farm) claim() {
	atom := f.findAtom(Needed)
	if atom == "" || f.s.Paused != nil {
		return
	}
	start := f.rng.IntN(len(f.drones))
	for i := range f.drones {
		id := f.drones[(start+i)%len(f.drones)]
		if d := f.s.drones[id]; d != nil && d.StatusAt(f.now) == DroneIdle || d != nil && d.StatusAt(f.now) == DroneBuilding && len(d.Tasks) < 3 {
			f.fence++
			f.emit(events.Event{Type: events.TypeClaimed, Actor: id, Drone: id, Atom: atom,
				Fence: f.fence, Lease: time.Minute, Attempt: f.s.packages[atom].Attempts + 1})
			return
		}
	}
}

func (f *farm) renew() {
	if p := f.busy(); p != nil {
		f.emit(events.Event{Type: events.TypeLeaseRenewed, Actor: p.Drone, Drone: p.Drone,
			Atom: p.Atom, Fence: p.Fence, Lease: time.Minute, Progress: uint64(f.rng.IntN(1 << 20))})
	}
}
