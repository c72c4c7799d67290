package commands

import (
	"cmp"
	"slices"
	"time"

	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/schedule"
)

// PendingWork is what is left of a farm's queue as jobs for the
// scheduler: every package needed or building, in the order they joined
// the queue (emerge's merge order, as fresh enqueued them), each with its
// dependencies among them and its expected build time from known (the
// farm's learned times, say), estimated by schedule.Estimates where
// unknown. Measured counts the jobs whose time was known.
func PendingWork(st *projections.State, known map[string]time.Duration) (jobs []schedule.Job, measured int) {
	var pending []*projections.Package
	for p := range st.Pending() {
		pending = append(pending, p)
	}
	slices.SortFunc(pending, func(a, b *projections.Package) int { return cmp.Compare(a.EnqueuedSeq, b.EnqueuedSeq) })
	index := make(map[string]int, len(pending))
	for i, p := range pending {
		index[p.Atom] = i
	}
	est := schedule.NewEstimates(known)
	jobs = make([]schedule.Job, len(pending))
	for i, p := range pending {
		work, src := est.Work(projections.CP(p.Atom))
		if src == schedule.Measured {
			measured++
		}
		jobs[i] = schedule.Job{ID: p.Atom, Work: max(work, minWork)}
		for _, d := range p.Deps {
			if j, ok := index[d]; ok {
				jobs[i].Deps = append(jobs[i].Deps, j)
			}
		}
	}
	return jobs, measured
}

// Fleet is the farm's drones as the scheduler sees them: each registered
// drone with its cores (1 when it did not say), sorted by id.
func Fleet(st *projections.State) []schedule.Drone {
	var out []schedule.Drone
	for d := range st.Drones() {
		out = append(out, schedule.Drone{ID: d.ID, Cores: max(int(d.Cores), 1)})
	}
	slices.SortFunc(out, func(a, b schedule.Drone) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
