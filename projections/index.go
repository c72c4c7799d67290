package projections

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"strings"
)

// The indexes status reads instead of walking the queue. GET /v1/status
// is asked every few seconds by every dashboard and monitor, under the
// store's lock that claims wait on; on a 100,000-package queue two walks
// over every package (the notes, the built packages without a promoted
// build) held that lock ~12 ms per call, most of the fleet's claim p99.
// Each index holds what one part of the status names, so a status costs
// what it reports: a healthy farm's sets are empty or nearly.
//
// They are kept by reindex, called wherever a package's state, hold,
// stalls or promoted build can change (setState, enqueued, dequeued,
// promote, pruneBuild), and rebuilt from the packages after a decode: a
// snapshot does not hold them.
type statusIndex struct {
	noted  map[string]struct{} // packages with a hold or stalls (the notes' candidates)
	failed map[string]struct{} // packages failed
	// unpromoted are the packages built with no promoted build, in no
	// order, each at its Package's unpromotedAt-1. A list and not a map
	// like the two above: a farm that never promotes (no binhost, or issue
	// 10's claims probe) adds every completed package to it for good, and
	// a map insert into 100,000 atoms, its growth included, was a
	// microsecond of every completion in each of the two States that fold
	// it (the committer's and the snapshotter's).
	unpromoted []string
	binaries   int // packages with a promoted build (hasBuild)
	// byKey maps a build key (buildKey: the CPV a promoted build names)
	// to the queued atoms that have it but differ from it ("=cat/pkg-1",
	// "cat/pkg-1:0::gentoo"), so a promotion or a prune of a CPV finds
	// the packages whose binary it changes without a walk.
	byKey map[string][]string
	// pending are the packages needed or building, in no order, each at
	// its Package's pendingAt-1: what an ETA copies under the store's lock
	// (PendingRefs), in one sequential copy rather than a walk that
	// visits every package (12 ms on 100,000).
	pending []PendingRef
	// builds counts the builds the State holds (listed, and pruned but
	// not yet forgotten) and their bytes, for BinhostUsage: a farm holds a
	// build for every CPV it ever promoted, and counting them walked them
	// all on every status.
	builds BinhostUsage
}

// PendingRef is a package still to be built (needed or building), as an
// estimate of the work left reads it.
type PendingRef struct {
	Seq  uint64 // its EnqueuedSeq: when it joined the queue
	Atom string
	// Deps is the package's own list, shared: the State replaces a
	// package's Deps (setDeps), never changes them in place, so a copy
	// taken under the store's lock may be read after it.
	Deps []string
}

func newStatusIndex() statusIndex {
	return statusIndex{noted: map[string]struct{}{}, failed: map[string]struct{}{},
		byKey: map[string][]string{}}
}

func (x *statusIndex) clone() statusIndex {
	c := *x
	c.noted, c.failed = maps.Clone(x.noted), maps.Clone(x.failed)
	c.unpromoted = slices.Clone(x.unpromoted)
	c.pending = slices.Clone(x.pending)
	c.byKey = make(map[string][]string, len(x.byKey))
	for k, v := range x.byKey {
		c.byKey[k] = slices.Clone(v)
	}
	return c
}

// buildKey is the CPV of a queue atom, as promotions name it: without a
// leading "=" and without the slot and repository.
func buildKey(atom string) string {
	cpv := strings.TrimPrefix(atom, "=")
	if i := strings.IndexByte(cpv, ':'); i >= 0 {
		cpv = cpv[:i]
	}
	return cpv
}

// The sets a package is in, as bits of Package.indexed: reindex touches a
// set only when the package's membership changes, so a claim or a
// completion costs a few comparisons and not a map operation per set. (The
// unpromoted list keeps the package's place instead: unpromotedAt.)
const (
	inNoted uint8 = 1 << iota
	inFailed
)

func mark(set map[string]struct{}, p *Package, bit uint8, in bool) {
	if in == (p.indexed&bit != 0) {
		return
	}
	if in {
		set[p.Atom] = struct{}{}
		p.indexed |= bit
	} else {
		delete(set, p.Atom)
		p.indexed &^= bit
	}
}

// markUnpromoted puts p in the unpromoted list or takes it out (the last
// entry moves to its place), when its membership changes.
func (s *State) markUnpromoted(p *Package, in bool) {
	if in == (p.unpromotedAt != 0) {
		return
	}
	x := &s.index
	if in {
		x.unpromoted = append(x.unpromoted, p.Atom)
		p.unpromotedAt = int32(len(x.unpromoted))
		return
	}
	i, last := int(p.unpromotedAt)-1, len(x.unpromoted)-1
	if i != last {
		x.unpromoted[i] = x.unpromoted[last]
		s.packages[x.unpromoted[i]].unpromotedAt = int32(i + 1)
	}
	x.unpromoted[last] = ""
	x.unpromoted = x.unpromoted[:last]
	p.unpromotedAt = 0
}

// reindex puts p in the indexes its fields call for, and out of the
// others. It is idempotent: calling it for a package that did not change
// changes nothing. Whether p has a promoted build is as last found
// (rebinary): only a promotion, a prune or joining the queue changes it.
func (s *State) reindex(p *Package) {
	x := &s.index
	mark(x.noted, p, inNoted, p.Held != "" || p.Stalls > 0)
	mark(x.failed, p, inFailed, p.State == Failed)
	s.markUnpromoted(p, p.State == Built && !p.binary)
	if p.State == Needed || p.State == Building {
		if p.pendingAt == 0 {
			x.pending = append(x.pending, PendingRef{Seq: p.EnqueuedSeq, Atom: p.Atom, Deps: p.Deps})
			p.pendingAt = int32(len(x.pending))
		}
	} else {
		s.dropPending(p)
	}
}

// rebinary asks whether p has a promoted build, counts it, and reindexes
// p.
func (s *State) rebinary(p *Package) {
	if bin := s.hasBuild(p.Atom); bin != p.binary {
		p.binary = bin
		if bin {
			s.index.binaries++
		} else {
			s.index.binaries--
		}
	}
	s.reindex(p)
}

// depsChanged refreshes p's entry in the pending list after its Deps were
// replaced.
func (s *State) depsChanged(p *Package) {
	if p.pendingAt > 0 {
		s.index.pending[p.pendingAt-1].Deps = p.Deps
	}
}

// dropPending takes p out of the pending list: the last entry moves to
// its place.
func (s *State) dropPending(p *Package) {
	if p.pendingAt == 0 {
		return
	}
	x := &s.index
	i, last := int(p.pendingAt)-1, len(x.pending)-1
	if i != last {
		x.pending[i] = x.pending[last]
		s.packages[x.pending[i].Atom].pendingAt = int32(i + 1)
	}
	x.pending[last] = PendingRef{}
	x.pending = x.pending[:last]
	p.pendingAt = 0
}

// indexNew adds a package that just joined the queue.
func (s *State) indexNew(p *Package) {
	if k := buildKey(p.Atom); k != p.Atom {
		s.index.byKey[k] = append(s.index.byKey[k], p.Atom)
	}
	s.rebinary(p)
}

// unindex takes a package leaving the queue out of every index.
func (s *State) unindex(p *Package) {
	x := &s.index
	delete(x.noted, p.Atom)
	delete(x.failed, p.Atom)
	s.markUnpromoted(p, false)
	p.indexed = 0
	s.dropPending(p)
	if p.binary {
		p.binary = false
		x.binaries--
	}
	if k := buildKey(p.Atom); k != p.Atom {
		x.byKey[k] = slices.DeleteFunc(x.byKey[k], func(a string) bool { return a == p.Atom })
		if len(x.byKey[k]) == 0 {
			delete(x.byKey, k)
		}
	}
}

// binaryChanged reindexes the queued packages whose promoted build a
// promotion or prune of atom's build of cpv may have changed: atom itself
// and every package whose build key is cpv.
func (s *State) binaryChanged(atom, cpv string) {
	if p := s.packages[atom]; p != nil {
		s.rebinary(p)
	}
	if cpv == "" {
		return
	}
	if p := s.packages[cpv]; p != nil {
		s.rebinary(p)
	}
	for _, a := range s.index.byKey[cpv] {
		if p := s.packages[a]; p != nil {
			s.rebinary(p)
		}
	}
}

// rebuildIndex computes the indexes from the packages of a decoded State,
// whose packages are in none yet.
func (s *State) rebuildIndex() {
	s.index = newStatusIndex()
	for _, p := range s.packages {
		s.indexNew(p)
	}
	for _, bs := range s.builds {
		for _, b := range bs {
			s.index.countBuild(b, 1)
		}
	}
}

// countBuild adds b (sign 1) to the build counters, or takes it away (-1).
func (x *statusIndex) countBuild(b Build, sign int) {
	u := &x.builds
	if b.Pruned == 0 {
		u.Builds += sign
		u.Bytes += uint64(sign) * b.Size
	} else {
		u.Pruned += sign
		u.PrunedBytes += uint64(sign) * b.Size
	}
}

// PendingRefs appends the packages still to be built (needed or building)
// to dst, in no particular order: one copy of a list kept for it.
func (s *State) PendingRefs(dst []PendingRef) []PendingRef {
	return append(dst, s.index.pending...)
}

// PendingCount is how many packages are needed or building.
func (s *State) PendingCount() int { return len(s.index.pending) }

// row is p as a line of `swarm queue --json`.
func (s *State) row(p *Package) QueueRow {
	return QueueRow{
		Atom: p.Atom, State: p.State, Attempts: p.Attempts, Drone: p.Drone,
		LastFailure: p.LastFailure, LastFailureSeq: p.LastFailureSeq,
		FailedOn: nonNil(p.FailedOn), ReturnedBy: nonNil(p.ReturnedBy),
		Fence: p.Fence, LeaseUntil: p.LeaseUntil, EnqueuedSeq: p.EnqueuedSeq,
		BuiltBy: p.BuiltBy, BuiltSeq: p.BuiltSeq, Requires: nonNil(p.Requires), Use: p.Use,
		Deps: p.Deps, WaitingFor: s.Unmet(p), PrioritySec: p.Priority.Seconds(),
		Stalls: p.Stalls, Held: p.Held, Binary: p.binary,
	}
}

// rowsOf lists the packages of set as QueueList orders them.
func (s *State) rowsOf(set map[string]struct{}) []QueueRow {
	var rows []QueueRow
	for atom := range set {
		rows = append(rows, s.row(s.packages[atom]))
	}
	sortRows(rows)
	return rows
}

func sortRows(rows []QueueRow) {
	slices.SortFunc(rows, func(a, b QueueRow) int {
		return cmp.Or(cmp.Compare(a.EnqueuedSeq, b.EnqueuedSeq), cmp.Compare(a.Atom, b.Atom))
	})
}

// BuiltUnpromoted yields the built packages with no promoted build in the
// index, in no particular order: what commands.Unpromoted judges, read from
// an index rather than a walk over the queue. Like Needed, they are the
// State's own and read-only.
func (s *State) BuiltUnpromoted() iter.Seq[*Package] {
	return func(yield func(*Package) bool) {
		for _, atom := range s.index.unpromoted {
			if !yield(s.packages[atom]) {
				return
			}
		}
	}
}
