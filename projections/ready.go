package projections

import "slices"

// readyList holds the ready packages in dispatch order (queued.compare) as a
// list of sorted chunks of at most 2*readyChunk keys. A claim removes one key
// and a failure or a new package inserts one: in one flat sorted slice each
// moved every key after it, O(queue) per claim (a third of the server's CPU
// on a 100,000-package queue); here it moves at most a chunk's keys, and
// finding the chunk is a binary search over the chunks' last keys. The
// chunking is invisible: All yields the same order whatever the layout, so a
// State decoded from a snapshot, cloned or folded from the log dispatches
// alike.
type readyList struct {
	chunks [][]queued // each sorted, non-empty; every key of one before the next's
	n      int
	spare  []queued // an emptied chunk kept for the next, so a claim and a return of the only ready package allocate nothing
}

// readyChunk is half a chunk's capacity: a full chunk splits in two halves.
const readyChunk = 256

func (r *readyList) Len() int { return r.n }

// chunkFor is the index of the chunk k belongs in: the first whose last key
// is not before k, else the last chunk.
func (r *readyList) chunkFor(k queued) int {
	i, _ := slices.BinarySearchFunc(r.chunks, k, func(c []queued, k queued) int {
		return c[len(c)-1].compare(k)
	})
	return min(i, len(r.chunks)-1)
}

// insert adds k unless it is there already.
func (r *readyList) insert(k queued) {
	if len(r.chunks) == 0 {
		r.chunks = append(r.chunks, append(r.newChunk(), k))
		r.n = 1
		return
	}
	ci := r.chunkFor(k)
	c := r.chunks[ci]
	j, found := slices.BinarySearchFunc(c, k, queued.compare)
	if found {
		return
	}
	r.n++
	if len(c) < 2*readyChunk {
		r.chunks[ci] = slices.Insert(c, j, k)
		return
	}
	// Full: split into two halves of readyChunk, then insert into its half.
	tail := append(r.newChunk(), c[readyChunk:]...)
	head := c[:readyChunk]
	if j <= readyChunk {
		head = slices.Insert(head, j, k)
	} else {
		tail = slices.Insert(tail, j-readyChunk, k)
	}
	r.chunks[ci] = head
	r.chunks = slices.Insert(r.chunks, ci+1, tail)
}

func (r *readyList) newChunk() []queued {
	if c := r.spare; c != nil {
		r.spare = nil
		return c
	}
	return make([]queued, 0, 2*readyChunk)
}

// remove drops k if it is there.
func (r *readyList) remove(k queued) {
	if len(r.chunks) == 0 {
		return
	}
	ci := r.chunkFor(k)
	c := r.chunks[ci]
	j, found := slices.BinarySearchFunc(c, k, queued.compare)
	if !found {
		return
	}
	r.n--
	if c = slices.Delete(c, j, j+1); len(c) == 0 {
		r.spare = c[:0]
		r.chunks = slices.Delete(r.chunks, ci, ci+1)
		r.mergeNext(ci - 1)
		return
	}
	r.chunks[ci] = c
	r.mergeNext(ci)
	r.mergeNext(ci - 1)
}

// mergeNext joins chunk i and the next when both fit in one. Removals call
// it on both sides of the chunk they shrank, which keeps every two
// neighbours over readyChunk keys together, so the chunks number at most
// 2n/readyChunk+1 however long the farm has run.
func (r *readyList) mergeNext(i int) {
	if i < 0 || i+1 >= len(r.chunks) || len(r.chunks[i])+len(r.chunks[i+1]) > readyChunk {
		return
	}
	r.chunks[i] = append(r.chunks[i], r.chunks[i+1]...)
	r.chunks = slices.Delete(r.chunks, i+1, i+2)
}

// build replaces the list with keys, which must be sorted.
func (r *readyList) build(keys []queued) {
	r.chunks, r.n = r.chunks[:0], len(keys)
	for len(keys) > 0 {
		k := min(len(keys), readyChunk)
		r.chunks = append(r.chunks, append(make([]queued, 0, 2*readyChunk), keys[:k]...))
		keys = keys[k:]
	}
}

// all returns the keys in order, in one new slice (tests, Clone).
func (r *readyList) all() []queued {
	out := make([]queued, 0, r.n)
	for _, c := range r.chunks {
		out = append(out, c...)
	}
	return out
}

func (r *readyList) clone() readyList {
	var c readyList
	c.build(r.all())
	return c
}
