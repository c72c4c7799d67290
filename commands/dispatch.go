package commands

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/schedule"
)

// Grant is one claim request's answer from a dispatch round: a package, or
// why there is none.
type Grant struct {
	Drone    string
	Atom     string // "" when nothing was granted
	Fence    uint64
	Attempt  uint32
	Lease    time.Duration
	Expected time.Duration // the package's last successful build time; 0: unknown
	Reason   string        // why nothing was granted
	Err      error         // ErrUnknownDrone when the drone must register first
}

// Dispatch answers a round of claim requests at once: requests[i] is the
// drone that asked (a drone with several free slots may ask several times).
// Deciding them together lets the orchestrator append one batch, sharing one
// fsync, instead of one per claim. grants receives one Grant per request.
//
// A drone gets work when it is registered, online, not grounded, healthy, on
// the queue's portage tree, with the farm's portage settings, and has a free slot, and dispatching is not
// paused (droneBlocker). It gets the oldest needed package it may build
// (packageBlocker): not excluded for it, with the capabilities it needs, and
// not one it returned or failed while another capable drone is able (so a
// sick drone's work is routed elsewhere). The fencing token is the claim
// event's own seq. Among ready packages (every dependency built) the one on
// the longest remaining critical path goes first, and when several drones
// ask in one round the one with the most cores chooses first. A drone
// passes over a package that a bigger drone, busy now, would still finish
// sooner (schedule.Lookahead): without that, the longest build of the
// farm lands on its smallest drone and the whole build ends hours late
// (BENCHMARKS.md has the simulation).
func Dispatch(r Rules, now time.Time, requests []string, grants *[]Grant) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		out := make([]Grant, len(requests))
		// At most one claim per request: grown by append from nothing, a
		// busy round's events (~600 bytes each) were copied five times over.
		evs := make([]events.Event, 0, len(requests))
		taken := make(map[string]bool)
		asked := make(map[string]int) // grants so far per drone, against its slots
		exclusions := st.Exclusions()
		// The biggest drones choose first, so the most urgent package (the
		// longest remaining chain) goes to the most cores.
		order := make([]int, len(requests))
		cores := make([]uint32, len(requests))
		smallest := 0 // the fewest cores among the asking drones
		for i, id := range requests {
			order[i] = i
			if d, ok := st.DroneRef(id); ok {
				cores[i] = d.Cores
			}
			if c := max(int(cores[i]), 1); i == 0 || c < smallest {
				smallest = c
			}
		}
		// The asking drones have free slots, so none of them is a peer: the
		// busy drones are the same for the whole round.
		peers := busyPeers(r, st, now, smallest)
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cores[b], cores[a]) })
		for _, i := range order {
			id := requests[i]
			g := &out[i]
			g.Drone = id
			d, ok := st.DroneRef(id) // read-only: the State's own
			if !ok {
				g.Err, g.Reason = fmt.Errorf("claim by %s: %w", id, ErrUnknownDrone), "not registered"
				continue
			}
			if why := droneBlocker(r, st, d, now); why != "" {
				g.Reason = why
				continue
			}
			if d.SlotsFree()-asked[id] <= 0 {
				g.Reason = fmt.Sprintf("all %d slots busy", max(d.Slots, 1))
				continue
			}
			var pick *projections.Package
			skipped := 0
			look := schedule.NewLookahead(schedule.Drone{ID: id, Cores: max(int(d.Cores), 1)}, peers)
			for p := range st.Needed() {
				if taken[p.Atom] {
					continue
				}
				if packageBlocker(r, st, d, p, exclusions, now) != "" {
					skipped++
					continue
				}
				if work, _ := st.Expected(projections.CP(p.Atom)); !look.Take(work) {
					continue // a bigger drone, busy now, would still finish it sooner
				}
				pick = p
				break
			}
			if pick == nil {
				g.Reason = "queue empty"
				if skipped > 0 {
					g.Reason = fmt.Sprintf("nothing this drone may build: %d needed packages are ruled out for it (see 'swarm why')", skipped)
				}
				continue
			}
			taken[pick.Atom] = true
			asked[id]++
			g.Atom, g.Fence, g.Attempt = pick.Atom, st.Seq+uint64(len(evs))+1, pick.Attempts+1
			g.Lease, g.Expected = r.Lease, pick.BuildTime
			evs = append(evs, events.Event{Type: events.TypeClaimed, Actor: ActorOrchestrator, Atom: pick.Atom,
				Drone: id, Fence: g.Fence, Lease: r.Lease, Attempt: g.Attempt})
		}
		if grants != nil {
			*grants = out
		}
		return evs, nil
	}
}

// busyPeers are the drones with no free slot, with how long until their
// earliest build should end, for the lookahead. Drones with a free slot are
// not peers: they ask for work themselves. Nor is a drone with no more
// than smallest cores, the fewest of any drone asking: the lookahead only
// ever defers to a bigger drone, and a farm of equal drones (or a round of
// its biggest) looked up every busy drone's builds for nothing, 1.8 µs of
// a claim and completion's CPU at 64 drones (issue 10).
func busyPeers(r Rules, st *projections.State, now time.Time, smallest int) []schedule.Peer {
	var peers []schedule.Peer
	for d := range st.Drones() {
		if max(int(d.Cores), 1) <= smallest || d.SlotsFree() > 0 || droneBlocker(r, st, d, now) != "" {
			continue
		}
		sd := schedule.Drone{ID: d.ID, Cores: max(int(d.Cores), 1)}
		freeIn := time.Duration(-1)
		for _, atom := range d.Tasks {
			work, _ := st.Expected(projections.CP(atom))
			left := max(st.ClaimedAt(atom).Add(sd.Time(work)).Sub(now), 0)
			if freeIn < 0 || left < freeIn {
				freeIn = left
			}
		}
		peers = append(peers, schedule.Peer{Cores: sd.Cores, FreeIn: max(freeIn, 0)})
	}
	return peers
}
