package portage

import (
	"cmp"
	"maps"
	"slices"
)

// closure collects the ebuilds reachable from the roots and their edges.
type closure struct {
	ix      *ebuildIndex
	order   []int       // ebuild indices in discovery order
	node    map[int]int // ebuild index → position in order
	edges   []map[int]bool
	missing map[*Atom]bool
	skipped []string // roots skipped by GraphOptions.SkipMissingRoots
	atoms   []*Atom  // scratch for expand
}

// add puts ebuild e in the closure, once, and returns its position.
func (c *closure) add(e int) int {
	if n, ok := c.node[e]; ok {
		return n
	}
	n := len(c.order)
	c.node[e] = n
	c.order = append(c.order, e)
	c.edges = append(c.edges, nil)
	return n
}

// expand resolves the dependencies of the n-th ebuild of the closure,
// adding what they select. edges[n] maps each dependency's position to
// whether only RDEPEND asks for it.
func (c *closure) expand(n int) {
	e := &c.ix.ebuilds[c.order[n]]
	use := c.ix.useOf(e)
	prefer := func(a *Atom) bool { _, ok := c.ix.resolve(a); return ok }
	deps := map[int]bool{}
	for _, d := range []struct {
		spec    *Depend
		runtime bool
		edge    bool
	}{
		{&e.Depend, false, true}, {&e.BDepend, false, true}, {&e.IDepend, false, true},
		{&e.RDepend, true, true}, {&e.PDepend, false, false},
	} {
		c.atoms = d.spec.resolveAtoms(c.atoms[:0], use, prefer)
		for _, a := range c.atoms {
			if a.Blocker != NoBlock {
				continue
			}
			to, ok := c.ix.resolve(a)
			if !ok {
				c.missing[a] = true
				continue
			}
			m := c.add(to)
			if !d.edge || m == n {
				continue
			}
			if runtime, seen := deps[m]; !seen || runtime {
				deps[m] = d.runtime
			}
		}
	}
	c.edges[n] = deps
}

// useOf returns the USE predicate of e: its IUSE defaults and the profile.
func (ix *ebuildIndex) useOf(e *Ebuild) func(string) bool {
	on := map[string]bool{}
	for _, f := range e.DefaultUSE() {
		on[f] = true
	}
	return func(flag string) bool { return on[flag] || ix.profile[flag] }
}

// graph makes the Graph of the closure, nodes sorted by key but without
// their Deps yet, and returns it with the edges renumbered to match, for
// breakCycles.
func (c *closure) graph(start []int) (*Graph, []map[int]bool) {
	perm := make([]int, len(c.order)) // new index → closure position
	for i := range perm {
		perm[i] = i
	}
	keys := make([]string, len(c.order))
	for i, e := range c.order {
		keys[i] = c.ix.ebuilds[e].Package.Key()
	}
	slices.SortFunc(perm, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
	renum := make([]int, len(perm)) // closure position → new index
	for i, p := range perm {
		renum[p] = i
	}
	g := &Graph{Nodes: make([]Node, len(perm)), Missing: c.missingList()}
	remapped := make([]map[int]bool, len(perm))
	for i, p := range perm {
		e := &c.ix.ebuilds[c.order[p]]
		g.Nodes[i] = Node{Package: e.Package, Ebuild: e}
		remapped[i] = make(map[int]bool, len(c.edges[p]))
		for to, runtime := range c.edges[p] {
			remapped[i][renum[to]] = runtime
		}
	}
	for _, e := range start {
		g.Roots = append(g.Roots, renum[c.node[e]])
	}
	slices.Sort(g.Roots)
	g.Roots = slices.Compact(g.Roots)
	return g, remapped
}

// missingList returns the text of the missing atoms and skipped roots,
// sorted, once each: two atoms written alike may be distinct Atoms.
func (c *closure) missingList() []string {
	set := map[string]bool{}
	for a := range c.missing {
		set[a.String()] = true
	}
	for _, r := range c.skipped {
		set[r] = true
	}
	return slices.Sorted(maps.Keys(set))
}
