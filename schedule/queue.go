package schedule

import (
	"iter"
	"time"
)

// Queue holds ready jobs in priority order: the highest priority first, and
// among equal priorities the lowest index first (so FIFO is a Queue whose
// priorities are all equal). Jobs are dense non-negative indexes, such as a
// Plan's; the zero Queue is empty and ready to use.
//
// The dispatcher does not simply pop: the job at the front may be excluded
// for the asking drone, returned by it, or need a capability it lacks, so it
// walks the queue in order until a job fits. A heap cannot be walked in
// order; a treap (a binary search tree kept balanced by random heap
// priorities, here a fixed hash of the index so runs are reproducible) can:
// Add and Remove take O(log n) expected time and visiting the first k jobs
// O(log n + k).
type Queue struct {
	nodes []qnode
	root  int32
	n     int
}

type qnode struct {
	prio        time.Duration
	left, right int32  // children; none: -1
	heap        uint32 // treap priority: a parent's is never lower than its children's
	in          bool
}

const none = -1

// Len is the number of jobs in the queue.
func (q *Queue) Len() int { return q.n }

// Contains reports whether job i is in the queue.
func (q *Queue) Contains(i int) bool { return i >= 0 && i < len(q.nodes) && q.nodes[i].in }

// Priority is job i's priority in the queue, and whether it is there.
func (q *Queue) Priority(i int) (time.Duration, bool) {
	if !q.Contains(i) {
		return 0, false
	}
	return q.nodes[i].prio, true
}

// Add puts job i in the queue with priority prio, or moves it to prio if it
// is already there. i must not be negative.
func (q *Queue) Add(i int, prio time.Duration) {
	if i < 0 {
		panic("schedule: Queue.Add of a negative index")
	}
	if q.n == 0 {
		q.root = none
	}
	q.Remove(i)
	for len(q.nodes) <= i {
		k := len(q.nodes)
		q.nodes = append(q.nodes, qnode{left: none, right: none, heap: mix(uint64(k))})
	}
	nd := &q.nodes[i]
	nd.prio, nd.left, nd.right, nd.in = prio, none, none, true
	q.root = q.insert(q.root, int32(i))
	q.n++
}

// Remove takes job i out of the queue and reports whether it was there.
func (q *Queue) Remove(i int) bool {
	if !q.Contains(i) {
		return false
	}
	q.root = q.remove(q.root, int32(i))
	q.nodes[i].in = false
	q.n--
	return true
}

// All yields the queued jobs in priority order. The queue must not change
// during the walk.
func (q *Queue) All() iter.Seq[int] {
	return func(yield func(int) bool) {
		if q.n > 0 {
			q.walk(q.root, yield)
		}
	}
}

// First returns the first job in priority order that accept takes (nil
// accepts any), or false when there is none.
func (q *Queue) First(accept func(int) bool) (int, bool) {
	for i := range q.All() {
		if accept == nil || accept(i) {
			return i, true
		}
	}
	return 0, false
}

func (q *Queue) walk(t int32, yield func(int) bool) bool {
	for t != none {
		if !q.walk(q.nodes[t].left, yield) || !yield(int(t)) {
			return false
		}
		t = q.nodes[t].right // the right spine iteratively: recursion depth stays O(log n)
	}
	return true
}

// before reports whether job a comes before job b in priority order.
func (q *Queue) before(a, b int32) bool {
	pa, pb := q.nodes[a].prio, q.nodes[b].prio
	return pa > pb || pa == pb && a < b
}

func (q *Queue) insert(t, i int32) int32 {
	if t == none {
		return i
	}
	if q.nodes[i].heap > q.nodes[t].heap {
		q.nodes[i].left, q.nodes[i].right = q.split(t, i)
		return i
	}
	if q.before(i, t) {
		q.nodes[t].left = q.insert(q.nodes[t].left, i)
	} else {
		q.nodes[t].right = q.insert(q.nodes[t].right, i)
	}
	return t
}

// split cuts the subtree t into the jobs before i and those after it.
func (q *Queue) split(t, i int32) (before, after int32) {
	if t == none {
		return none, none
	}
	if q.before(t, i) {
		l, r := q.split(q.nodes[t].right, i)
		q.nodes[t].right = l
		return t, r
	}
	l, r := q.split(q.nodes[t].left, i)
	q.nodes[t].left = r
	return l, t
}

func (q *Queue) remove(t, i int32) int32 {
	switch {
	case t == i:
		return q.merge(q.nodes[t].left, q.nodes[t].right)
	case q.before(i, t):
		q.nodes[t].left = q.remove(q.nodes[t].left, i)
	default:
		q.nodes[t].right = q.remove(q.nodes[t].right, i)
	}
	return t
}

// merge joins two subtrees where every job of a comes before every job of b.
func (q *Queue) merge(a, b int32) int32 {
	switch {
	case a == none:
		return b
	case b == none:
		return a
	case q.nodes[a].heap > q.nodes[b].heap:
		q.nodes[a].right = q.merge(q.nodes[a].right, b)
		return a
	default:
		q.nodes[b].left = q.merge(a, q.nodes[b].left)
		return b
	}
}

// mix is splitmix64's finaliser, folded to 32 bits: a fixed, well-spread
// treap priority for an index.
func mix(x uint64) uint32 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return uint32(x>>32) ^ uint32(x)
}
