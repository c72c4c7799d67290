package commands

import (
	"container/heap"
	"errors"
	"fmt"
	"time"

	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/schedule"
)

// ErrSimulation: the simulated farm stopped with packages left unbuilt.
var ErrSimulation = errors.New("simulation stuck")

// SimResult is a simulated farm's outcome.
type SimResult struct {
	Makespan    time.Duration // when the last build ended
	Utilisation float64       // core-time building over core-time available until Makespan
}

// SimulateDispatch runs jobs (in queue order, with their dependencies and
// expected work on a schedule.RefCores machine) on fleet through the
// orchestrator's own deciders: Learn and Fresh fill the queue with the
// plan's priorities, and Dispatch and Complete run on a simulated clock,
// folding into a projections.State exactly as the log would. Each drone has
// one slot, and a build takes its expected time scaled by the drone's cores
// (schedule.Drone.Time). It is the scheduler the farm runs, not a model of
// it: `swarm simulate` and the tests measure it against the lower bound.
func SimulateDispatch(jobs []schedule.Job, fleet []schedule.Drone) (SimResult, error) {
	st := projections.New()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var now time.Duration
	decide := func(d Decider) error {
		evs, err := d(st)
		if err != nil {
			return err
		}
		for i := range evs {
			evs[i].Seq, evs[i].Time = st.Seq+1, base.Add(now)
			st.Apply(&evs[i])
		}
		return nil
	}
	work := make(map[string]time.Duration, len(jobs)) // by cat/name, as the farm learns them
	cps := make(map[string]string, len(jobs))         // queue key → cat/name
	plan := FreshPlan{Tree: "simulated"}
	for _, j := range jobs {
		a, err := portage.ParsePackage(j.ID)
		if err != nil {
			return SimResult{}, fmt.Errorf("simulate: job %s: %w", j.ID, err)
		}
		work[a.CP()] = max(j.Work, time.Millisecond)
		cps[a.Key()] = a.CP()
		plan.Builds = append(plan.Builds, FreshPackage{Atom: j.ID, Deps: j.Deps})
	}
	drones := make(map[string]schedule.Drone, len(fleet))
	var ids []string
	totalCores := 0
	for i, d := range fleet {
		id := fmt.Sprintf("sim-%02d", i)
		drones[id] = d
		ids = append(ids, id)
		totalCores += d.Cores
		if err := decide(Register(DroneInfo{ID: id, Cores: uint32(d.Cores), Slots: 1}, nil, nil)); err != nil {
			return SimResult{}, err
		}
	}
	if err := decide(Learn(ActorOperator, "simulation", work)); err != nil {
		return SimResult{}, err
	}
	if err := decide(Fresh(ActorOperator, plan, Routing{}, nil)); err != nil {
		return SimResult{}, err
	}
	r := DefaultRules()
	r.Lease = 1 << 62 // no sweeps run: leases never lapse
	idle := make(map[string]bool, len(ids))
	for _, id := range ids {
		idle[id] = true
	}
	var pending simFinishes
	var busy float64 // core-seconds building
	for built := 0; built < len(plan.Builds); built++ {
		var asking []string
		for _, id := range ids {
			if idle[id] {
				asking = append(asking, id)
			}
		}
		var grants []Grant
		if err := decide(Dispatch(r, base.Add(now), asking, &grants)); err != nil {
			return SimResult{}, err
		}
		for _, g := range grants {
			if g.Atom == "" {
				continue
			}
			d := drones[g.Drone]
			took := d.Time(work[cps[g.Atom]])
			idle[g.Drone] = false
			busy += took.Seconds() * float64(d.Cores)
			heap.Push(&pending, simFinish{at: now + took, drone: g.Drone, atom: g.Atom, fence: g.Fence})
		}
		if pending.Len() == 0 {
			return SimResult{}, fmt.Errorf("%w at %v: %d of %d packages built", ErrSimulation, now, built, len(plan.Builds))
		}
		f := heap.Pop(&pending).(simFinish)
		now = f.at
		if err := decide(Complete(f.drone, f.atom, f.fence, Binpkg{})); err != nil {
			return SimResult{}, err
		}
		idle[f.drone] = true
	}
	res := SimResult{Makespan: now}
	if now > 0 && totalCores > 0 {
		res.Utilisation = busy / (now.Seconds() * float64(totalCores))
	}
	return res, nil
}

// simFinish is a build ending at a simulated time.
type simFinish struct {
	at    time.Duration
	drone string
	atom  string
	fence uint64
}

type simFinishes []simFinish

func (h simFinishes) Len() int { return len(h) }
func (h simFinishes) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].drone < h[j].drone)
}
func (h simFinishes) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *simFinishes) Push(x any)   { *h = append(*h, x.(simFinish)) }
func (h *simFinishes) Pop() any     { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }
