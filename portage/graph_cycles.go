package portage

import (
	"cmp"
	"container/heap"
	"maps"
	"slices"
)

// dagEdge is one edge of the graph while cycles are broken.
type dagEdge struct {
	to      int
	runtime bool
	dropped bool
}

// breakCycles makes the graph acyclic, records what it dropped and fills
// in each node's Deps. It works in two phases, so that a runtime edge is
// dropped rather than a build edge wherever that suffices:
//
//  1. Cycles of build edges alone: portage needs an installed package to
//     build these (xz-utils' BDEPEND wants elt-patches, whose DEPEND wants
//     xz-utils; glibc wants gcc, which wants a libc). Within each strongly connected component of the build
//     edges, the Eades–Lin–Smyth heuristic orders the packages (those
//     with the most dependencies and the fewest dependents first; see
//     elsOrder) and the build edges that go against that order are
//     dropped: it tends to keep hubs that many packages need, such as
//     autoconf and gettext, as dependencies and drop their few edges back
//     out, which is what a bootstrapped system, with the hubs installed,
//     does.
//  2. Then the build edges form a DAG, and a topological sort of it that
//     always takes, among the packages whose build dependencies are met,
//     the one with the fewest runtime dependencies still unbuilt (lowest
//     index on ties) gives an order; the runtime edges that go against it
//     are dropped.
//
// Last, each dropped edge that closes no cycle with the edges kept is put
// back, build edges first.
//
// Both phases are deterministic: they depend only on node indices, which
// BuildGraph sorts by package.
func (g *Graph) breakCycles(edges []map[int]bool) {
	adj := make([][]dagEdge, len(edges))
	for i, m := range edges {
		for _, to := range slices.Sorted(maps.Keys(m)) {
			adj[i] = append(adj[i], dagEdge{to: to, runtime: m[to]})
		}
	}
	balance := make([]int, len(adj)) // build dependencies less dependents
	for u, out := range adj {
		for _, e := range out {
			if !e.runtime {
				balance[u]++
				balance[e.to]--
			}
		}
	}
	for _, scc := range buildSCCs(adj) {
		dropAgainst(adj, scc, elsOrder(adj, scc, balance), false)
	}
	all := make([]int, len(adj))
	for i := range all {
		all[i] = i
	}
	dropAgainst(adj, all, runtimeAwareOrder(adj), true)
	restore(adj, false)
	restore(adj, true)
	for i, out := range adj {
		for _, e := range out {
			if e.dropped {
				g.Dropped = append(g.Dropped, Edge{From: i, To: e.to, Runtime: e.runtime})
			} else {
				g.Nodes[i].Deps = append(g.Nodes[i].Deps, e.to)
			}
		}
	}
	g.DroppedEdges = len(g.Dropped)
}

// restore puts back each dropped edge (build edges if !runtime, else
// runtime ones; in node order) that closes no cycle with the edges kept,
// since the orders of both phases are heuristics and may drop more than
// needed. Afterwards every dropped edge closes a cycle.
func restore(adj [][]dagEdge, runtime bool) {
	seen := make([]int, len(adj)) // the search that last reached each node
	search := 0
	for u := range adj {
		for j := range adj[u] {
			e := &adj[u][j]
			if !e.dropped || e.runtime != runtime {
				continue
			}
			search++
			if !reaches(adj, e.to, u, seen, search) {
				e.dropped = false
			}
		}
	}
}

// reaches reports whether kept edges lead from a to b; seen[n] == search
// marks nodes this search has visited.
func reaches(adj [][]dagEdge, a, b int, seen []int, search int) bool {
	stack := []int{a}
	seen[a] = search
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == b {
			return true
		}
		for _, e := range adj[n] {
			if !e.dropped && seen[e.to] != search {
				seen[e.to] = search
				stack = append(stack, e.to)
			}
		}
	}
	return false
}

// dropAgainst drops the edges among nodes (runtime edges if runtime, else
// build edges) that point from a node to one placed before it in order:
// order lists dependents before their dependencies.
func dropAgainst(adj [][]dagEdge, nodes, order []int, runtime bool) {
	pos := make(map[int]int, len(order))
	for i, n := range order {
		pos[n] = i
	}
	for _, u := range nodes {
		for j := range adj[u] {
			e := &adj[u][j]
			if pv, in := pos[e.to]; in && !e.dropped && e.runtime == runtime && pv < pos[u] {
				e.dropped = true
			}
		}
	}
}

// buildSCCs returns the strongly connected components of the build edges
// that have more than one node (Tarjan's algorithm), each sorted.
func buildSCCs(adj [][]dagEdge) [][]int {
	t := tarjan{adj: adj, index: make([]int, len(adj)), low: make([]int, len(adj)), on: make([]bool, len(adj))}
	for i := range t.index {
		t.index[i] = -1
	}
	for i := range adj {
		if t.index[i] < 0 {
			t.visit(i)
		}
	}
	return t.sccs
}

type tarjan struct {
	adj        [][]dagEdge
	index, low []int
	on         []bool
	stack      []int
	next       int
	sccs       [][]int
}

func (t *tarjan) visit(u int) {
	t.index[u], t.low[u] = t.next, t.next
	t.next++
	t.stack = append(t.stack, u)
	t.on[u] = true
	for _, e := range t.adj[u] {
		switch {
		case e.runtime:
		case t.index[e.to] < 0:
			t.visit(e.to)
			t.low[u] = min(t.low[u], t.low[e.to])
		case t.on[e.to]:
			t.low[u] = min(t.low[u], t.index[e.to])
		}
	}
	if t.low[u] != t.index[u] {
		return
	}
	i := slices.Index(t.stack, u)
	scc := slices.Clone(t.stack[i:])
	t.stack = t.stack[:i]
	for _, n := range scc {
		t.on[n] = false
	}
	if len(scc) > 1 {
		slices.Sort(scc)
		t.sccs = append(t.sccs, scc)
	}
}

// elsOrder orders the nodes of one build-edge component by the greedy
// heuristic of Eades, Lin and Smyth for the feedback arc set: repeatedly
// move nodes without remaining dependencies to the back and nodes without
// remaining dependents to the front, and when neither exists, the node
// with the most remaining dependencies less dependents to the front. Few
// build edges then point backwards. Ties go by balance (build
// dependencies less dependents in the whole graph), so that of two
// otherwise equal packages the one more packages need is built first and
// loses its edge back, then by lowest index.
func elsOrder(adj [][]dagEdge, scc []int, balance []int) []int {
	in := make(map[int]bool, len(scc))
	for _, n := range scc {
		in[n] = true
	}
	// Remaining dependencies and dependents of each node, kept current
	// as nodes are placed.
	ndeps, ndependents := map[int]int{}, map[int]int{}
	dependents := map[int][]int{}
	for _, u := range scc {
		for _, e := range adj[u] {
			if !e.runtime && in[e.to] {
				ndeps[u]++
				ndependents[e.to]++
				dependents[e.to] = append(dependents[e.to], u)
			}
		}
	}
	var front, back []int
	left := slices.Clone(scc)
	place := func(i int, toBack bool) {
		n := left[i]
		left = slices.Delete(left, i, i+1)
		in[n] = false
		for _, e := range adj[n] {
			if !e.runtime && in[e.to] {
				ndependents[e.to]--
			}
		}
		for _, d := range dependents[n] {
			if in[d] {
				ndeps[d]--
			}
		}
		if toBack {
			back = append(back, n)
		} else {
			front = append(front, n)
		}
	}
	for len(left) > 0 {
		if i := slices.IndexFunc(left, func(n int) bool { return ndeps[n] == 0 }); i >= 0 {
			place(i, true)
		} else if i := slices.IndexFunc(left, func(n int) bool { return ndependents[n] == 0 }); i >= 0 {
			place(i, false)
		} else {
			score := func(n int) [2]int { return [2]int{ndeps[n] - ndependents[n], balance[n]} }
			best := 0
			for i, n := range left {
				if s, b := score(n), score(left[best]); s[0] > b[0] || s[0] == b[0] && s[1] > b[1] {
					best = i
				}
			}
			place(best, false)
		}
	}
	slices.Reverse(back)
	return append(front, back...)
}

// runtimeAwareOrder sorts the (acyclic) build edges topologically, taking
// among the ready nodes the one with the fewest runtime dependencies not
// yet placed, and returns the order with dependents first, as dropAgainst
// wants it.
func runtimeAwareOrder(adj [][]dagEdge) []int {
	n := len(adj)
	waiting, unplacedRT := make([]int, n), make([]int, n)
	buildDependents, rtDependents := make([][]int, n), make([][]int, n)
	for u, out := range adj {
		for _, e := range out {
			switch {
			case e.dropped:
			case e.runtime:
				unplacedRT[u]++
				rtDependents[e.to] = append(rtDependents[e.to], u)
			default:
				waiting[u]++
				buildDependents[e.to] = append(buildDependents[e.to], u)
			}
		}
	}
	ready := &readyHeap{}
	for u := range n {
		if waiting[u] == 0 {
			heap.Push(ready, readyNode{u, unplacedRT[u]})
		}
	}
	placed := make([]bool, n)
	order := make([]int, 0, n)
	for ready.Len() > 0 {
		r := heap.Pop(ready).(readyNode)
		if placed[r.node] || r.unplaced != unplacedRT[r.node] {
			continue // a stale entry: the node was re-pushed with a lower count
		}
		placed[r.node] = true
		order = append(order, r.node)
		for _, d := range rtDependents[r.node] {
			if unplacedRT[d]--; waiting[d] == 0 && !placed[d] {
				heap.Push(ready, readyNode{d, unplacedRT[d]})
			}
		}
		for _, d := range buildDependents[r.node] {
			if waiting[d]--; waiting[d] == 0 {
				heap.Push(ready, readyNode{d, unplacedRT[d]})
			}
		}
	}
	slices.Reverse(order)
	return order
}

// readyNode is a node whose build dependencies are placed, with its count
// of runtime dependencies that are not.
type readyNode struct{ node, unplaced int }

// readyHeap orders ready nodes by fewest unplaced runtime dependencies,
// then lowest index.
type readyHeap []readyNode

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(i, j int) bool {
	return cmp.Or(cmp.Compare(h[i].unplaced, h[j].unplaced), cmp.Compare(h[i].node, h[j].node)) < 0
}
func (h readyHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)   { *h = append(*h, x.(readyNode)) }
func (h *readyHeap) Pop() any {
	x := (*h)[len(*h)-1]
	*h = (*h)[:len(*h)-1]
	return x
}
