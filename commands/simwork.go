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
	return pendingOf(st).jobs(known)
}

// pendingSet is the packages still to be built as copied out of a State
// (one copy of the list the projection keeps): the only part of
// PendingWork that reads the State, so a server takes it under the store's
// lock and makes the jobs (the sort, the estimates) after it.
type pendingSet []projections.PendingRef

func pendingOf(st *projections.State) pendingSet {
	return st.PendingRefs(make([]projections.PendingRef, 0, st.PendingCount()))
}

// jobs is PendingWork of the packages in ps.
func (ps pendingSet) jobs(known map[string]time.Duration) (jobs []schedule.Job, measured int) {
	pending := sortBySeq(ps)
	var index map[string]int
	if slices.ContainsFunc(pending, func(k projections.PendingRef) bool { return len(k.Deps) > 0 }) {
		index = make(map[string]int, len(pending))
		for i, k := range pending {
			index[k.Atom] = i
		}
	}
	est := schedule.NewEstimates(known)
	jobs = make([]schedule.Job, len(pending))
	for i, k := range pending {
		work, src := est.Work(projections.CP(k.Atom))
		if src == schedule.Measured {
			measured++
		}
		jobs[i] = schedule.Job{ID: k.Atom, Work: max(work, minWork)}
		for _, d := range k.Deps {
			if j, ok := index[d]; ok {
				jobs[i].Deps = append(jobs[i].Deps, j)
			}
		}
	}
	return jobs, measured
}

// sortBySeq sorts ks by Seq (unique per package) with a radix sort over the
// bytes in which the seqs differ: O(n) where a comparison sort of 100,000
// pending packages took 10 ms of every status call. It sorts (seq, place)
// pairs, which hold no pointers, and moves the refs once: moving the refs
// (strings, slices) on every pass made the GC's write barriers half of an
// estimate. It returns a new slice.
func sortBySeq(ks []projections.PendingRef) []projections.PendingRef {
	type key struct {
		seq uint64
		at  int
	}
	keys, tmp := make([]key, len(ks)), make([]key, len(ks))
	var hi uint64
	for i, k := range ks {
		keys[i] = key{k.Seq, i}
		hi |= k.Seq
	}
	for shift := 0; shift < 64 && hi>>shift != 0; shift += 8 {
		var count [257]int
		for _, k := range keys {
			count[(k.seq>>shift)&0xff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, k := range keys {
			b := (k.seq >> shift) & 0xff
			tmp[count[b]] = k
			count[b]++
		}
		keys, tmp = tmp, keys
	}
	out := make([]projections.PendingRef, len(ks))
	for i, k := range keys {
		out[i] = ks[k.at]
	}
	return out
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
