package portage

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"
)

// TopoOrder returns the node indices in a build order: every node after
// all its Deps. Of the nodes ready at any point the lowest index comes
// first, so the order is deterministic. A graph with a cycle (possible
// only if Nodes were edited after BuildGraph) is an error matching
// ErrCycle that names the packages of one cycle.
func (g *Graph) TopoOrder() ([]int, error) {
	n := len(g.Nodes)
	waiting := make([]int, n)      // unbuilt deps of each node
	dependents := make([][]int, n) // who waits for each node
	for i, node := range g.Nodes {
		for _, d := range node.Deps {
			if d < 0 || d >= n {
				return nil, fmt.Errorf("portage: graph node %s depends on node %d of %d", node.Package.Key(), d, n)
			}
			waiting[i]++
			dependents[d] = append(dependents[d], i)
		}
	}
	ready := &intHeap{}
	for i, w := range waiting {
		if w == 0 {
			ready.items = append(ready.items, i)
		}
	}
	heap.Init(ready)
	order := make([]int, 0, n)
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, i)
		for _, j := range dependents[i] {
			if waiting[j]--; waiting[j] == 0 {
				heap.Push(ready, j)
			}
		}
	}
	if len(order) < n {
		return nil, &kindError{ErrCycle, fmt.Errorf("%d of %d packages wait on a dependency cycle: %s",
			n-len(order), n, g.cycle(waiting))}
	}
	return order, nil
}

// cycle names the packages of one cycle among the nodes still waiting:
// from any of them, following a waiting dependency must come back round.
func (g *Graph) cycle(waiting []int) string {
	at := slices.IndexFunc(waiting, func(w int) bool { return w > 0 })
	seen := map[int]int{} // node → step it was reached
	var path []int
	for {
		if step, ok := seen[at]; ok {
			path = path[step:]
			break
		}
		seen[at] = len(path)
		path = append(path, at)
		at = g.Nodes[at].Deps[slices.IndexFunc(g.Nodes[at].Deps, func(d int) bool { return waiting[d] > 0 })]
	}
	names := make([]string, 0, len(path)+1)
	for _, i := range append(path, path[0]) {
		names = append(names, g.Nodes[i].Package.Key())
	}
	return strings.Join(names, " → ")
}

// intHeap is a min-heap of ints.
type intHeap struct{ items []int }

func (h *intHeap) Len() int           { return len(h.items) }
func (h *intHeap) Less(i, j int) bool { return h.items[i] < h.items[j] }
func (h *intHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *intHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *intHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
