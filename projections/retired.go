package projections

import (
	"cmp"
	"maps"
	"slices"
)

// maxPrunedKept is how many pruned builds the State keeps whole enough for
// their files to be swept (Build.retired). Older ones are forgotten but for
// their CPV's highest BUILD_ID and the usage counters.
//
// Why a count: the index writer deletes a pruned build's file within
// moments of the index that drops it, and after a restart it sweeps every
// pruned build the State still holds; a farm prunes a build for every one
// it promotes, so keeping them all made a snapshot grow with every package
// the farm ever built. A file left behind by more than this many prunes
// without one sweep is not lost silently: `swarm verify` reports it as an
// unknown file.
const maxPrunedKept = 10_000

// retiredBuilds is what the State remembers of forgotten pruned builds.
type retiredBuilds struct {
	maxID map[string]uint64 // by CPV: the highest BUILD_ID forgotten, never given again
	order []prunedRef       // the pruned builds still held, oldest prune first, from head
	head  int
	count int    // builds forgotten, for BinhostUsage
	bytes uint64 // their files' sizes
}

// prunedRef names a pruned build in builds.
type prunedRef struct {
	cpv string
	id  uint64
}

func (r *retiredBuilds) clone() retiredBuilds {
	c := *r
	c.maxID = maps.Clone(r.maxID)
	c.order = slices.Clone(r.order[r.head:])
	c.head = 0
	return c
}

// held is how many pruned builds are still held.
func (r *retiredBuilds) held() int { return len(r.order) - r.head }

// pruned records that the build (cpv, id) was pruned, and forgets the
// oldest pruned builds past maxPrunedKept.
func (s *State) pruned(cpv string, id uint64) {
	r := &s.retired
	r.order = append(r.order, prunedRef{cpv, id})
	for r.held() > maxPrunedKept {
		s.forget(r.order[r.head])
		r.head++
	}
	if r.head > len(r.order)/2 { // reuse the backing array
		r.order = append(r.order[:0], r.order[r.head:]...)
		r.head = 0
	}
}

// forget drops a pruned build, keeping its BUILD_ID and size.
func (s *State) forget(ref prunedRef) {
	bs := s.builds[ref.cpv]
	i := slices.IndexFunc(bs, func(b Build) bool { return b.BuildID == ref.id && b.Pruned != 0 })
	if i < 0 {
		return
	}
	r := &s.retired
	s.index.countBuild(bs[i], -1)
	r.maxID[ref.cpv] = max(r.maxID[ref.cpv], ref.id)
	r.count++
	r.bytes += bs[i].Size
	if bs = slices.Delete(bs, i, i+1); len(bs) == 0 {
		delete(s.builds, ref.cpv)
	} else {
		s.builds[ref.cpv] = bs
	}
}

// rebuildPruned restores the prune order of the pruned builds held (after
// a snapshot load): the order of their pruned events.
func (s *State) rebuildPruned() {
	var refs []Build
	for _, bs := range s.builds {
		for _, b := range bs {
			if b.Pruned != 0 {
				refs = append(refs, b)
			}
		}
	}
	slices.SortFunc(refs, func(a, b Build) int { return cmp.Compare(a.Pruned, b.Pruned) })
	s.retired.order, s.retired.head = make([]prunedRef, 0, len(refs)), 0
	for _, b := range refs {
		s.retired.order = append(s.retired.order, prunedRef{b.CPV, b.BuildID})
	}
}

func (w *encoder) retired(r *retiredBuilds) {
	w.uint(uint64(len(r.maxID)))
	for _, cpv := range slices.Sorted(maps.Keys(r.maxID)) {
		w.str(cpv)
		w.uint(r.maxID[cpv])
	}
	w.uint(uint64(r.count))
	w.uint(r.bytes)
}

func (r *decoder) retired(s *State) {
	for n := r.count(); n > 0 && r.err == nil; n-- {
		cpv := r.str()
		s.retired.maxID[cpv] = r.uint()
	}
	count, bytes := r.uint(), r.uint()
	if count > 1<<40 {
		r.fail("bad count of forgotten builds")
	}
	s.retired.count, s.retired.bytes = int(count), bytes
	s.rebuildPruned()
}
