package schedule

// MergeOrder returns the jobs reordered the way emerge --pretend lists a
// dependency graph, and for each original index its new one: from each root
// in turn, depth first, a job's dependencies (in the order listed) before
// the job itself; then any job no root reaches, in index order. Dependency
// indexes are renumbered to match.
//
// A farm's queue is filled from emerge's list, so this is the queue order
// the naive dispatcher (PolicyFIFO) worked through. It fails with ErrBadJob
// or ErrCycle.
func MergeOrder(jobs []Job, roots []int) (ordered []Job, newIndex []int, err error) {
	if _, _, err := order(jobs); err != nil {
		return nil, nil, err
	}
	newIndex = make([]int, len(jobs))
	for i := range newIndex {
		newIndex[i] = -1
	}
	seq := make([]int, 0, len(jobs)) // old indexes in merge order
	var visit func(i int)
	visit = func(i int) {
		if newIndex[i] >= 0 {
			return
		}
		newIndex[i] = len(jobs) // on the path; acyclic, so never met again before it is placed
		for _, d := range jobs[i].Deps {
			visit(d)
		}
		newIndex[i] = len(seq)
		seq = append(seq, i)
	}
	for _, r := range roots {
		if r >= 0 && r < len(jobs) {
			visit(r)
		}
	}
	for i := range jobs {
		visit(i)
	}
	ordered = make([]Job, len(jobs))
	for k, i := range seq {
		j := jobs[i]
		deps := make([]int, len(j.Deps))
		for n, d := range j.Deps {
			deps[n] = newIndex[d]
		}
		j.Deps = deps
		ordered[k] = j
	}
	return ordered, newIndex, nil
}
