package portage

import "slices"

// PlanDeps finds, for each package of a plan (concrete packages as emerge
// --pretend resolved them, in merge order, with the USE flags each is built
// with), the packages of the same plan it needs built first, from the
// ebuilds' metadata: DEPEND, BDEPEND and IDEPEND (needed to build it) and
// RDEPEND (a dependency's runtime needs must be installed to use it).
// PDEPEND orders nothing. Blockers are not dependencies.
//
// Why the merge order: emerge already broke the tree's dependency cycles
// when it ordered the plan, so an edge is kept only when the package it
// points to comes earlier in the plan. The result is acyclic by
// construction and agrees with what emerge would do on one machine.
//
// deps[i] holds indexes into plan, ascending. unknown lists the plan
// packages no ebuild describes (their dependencies stay unknown, so they
// wait for nothing).
func PlanDeps(ebuilds []Ebuild, plan []Atom, use [][]string) (deps [][]int, unknown []string) {
	byCPV := make(map[string]*Ebuild, len(ebuilds))
	for i := range ebuilds {
		byCPV[ebuilds[i].Package.CPV()] = &ebuilds[i]
	}
	byCP := make(map[string][]int, len(plan))
	for i, p := range plan {
		byCP[p.CP()] = append(byCP[p.CP()], i)
	}
	deps = make([][]int, len(plan))
	for i, p := range plan {
		e := byCPV[p.CPV()]
		if e == nil {
			unknown = append(unknown, p.CPV())
			continue
		}
		on := make(map[string]bool, len(use[i]))
		for _, f := range use[i] {
			on[f] = true
		}
		enabled := func(flag string) bool { return on[flag] }
		inPlan := func(a Atom) bool {
			for _, j := range byCP[a.CP()] {
				if a.Matches(plan[j]) {
					return true
				}
			}
			return false
		}
		seen := map[int]bool{}
		for _, d := range []Depend{e.Depend, e.BDepend, e.IDepend, e.RDepend} {
			for _, a := range d.Resolve(enabled, inPlan) {
				if a.Blocker != NoBlock {
					continue
				}
				for _, j := range byCP[a.CP()] {
					if j < i && !seen[j] && a.Matches(plan[j]) {
						seen[j] = true
						deps[i] = append(deps[i], j)
					}
				}
			}
		}
		slices.Sort(deps[i])
	}
	return deps, unknown
}
