package portage

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors of BuildGraph and Graph.
var (
	// ErrNoEbuild: a root of BuildGraph that no visible ebuild matches.
	ErrNoEbuild = errors.New("portage: no visible ebuild")
	// ErrCycle: a graph whose dependencies go round in a circle, so it has
	// no build order. BuildGraph never returns one; a Graph edited after
	// that can be.
	ErrCycle = errors.New("portage: dependency cycle")
)

// Graph is the build-order graph of a set of packages: which must be built
// before which. BuildGraph makes it acyclic, sorted and deterministic.
type Graph struct {
	// Nodes are the packages to build, sorted by Package.Key().
	Nodes []Node
	// Roots are the indices of the nodes the roots selected, ascending.
	Roots []int
	// Missing lists, sorted and once each, the dependency atoms (as
	// written) that no visible ebuild matches: packages of other
	// repositories, removed ones, or ones masked by keywords. They are
	// left out of the graph, not errors: a farm builds what its tree has.
	// Roots skipped by GraphOptions.SkipMissingRoots are listed here too.
	Missing []string
	// Dropped are the dependencies removed to break cycles (see
	// BuildGraph), ordered by From then To; DroppedEdges is their number.
	Dropped      []Edge
	DroppedEdges int
}

// Node is one package of a Graph.
type Node struct {
	// Package is Ebuild.Package: cat/name-version:slot/sub::repo.
	Package Atom
	// Deps are the indices of the nodes that must be built (and installed)
	// before this one, ascending, without duplicates or the node itself.
	Deps []int
	// Ebuild is the ebuild's metadata: a pointer into the slice given to
	// BuildGraph, not a copy.
	Ebuild *Ebuild
}

// Edge is one dependency: From needs To built first. Runtime is set when
// only RDEPEND asks for it (DEPEND, BDEPEND and IDEPEND make a build edge).
type Edge struct {
	From, To int
	Runtime  bool
}

// DefaultArch is the keyword BuildGraph accepts when GraphOptions.Arch is "".
const DefaultArch = "amd64"

// GraphOptions configure BuildGraph.
type GraphOptions struct {
	// Arch is the architecture keyword an ebuild must carry to be visible:
	// KEYWORDS must hold Arch or ~Arch (stable and testing are both
	// accepted, as with ACCEPT_KEYWORDS="~amd64"), or "*" or "~*", which
	// Funtoo and Macaroni kits use for "every arch". "" means DefaultArch.
	// Ebuilds with no keywords (live 9999 ebuilds, mostly) and invalid ones
	// are never visible.
	Arch string
	// ProfileUSE are the flags enabled for every ebuild besides its IUSE
	// defaults ("+flag"): what a profile turns on. nil means
	// DefaultProfileUSE(Arch); an empty, non-nil slice means none.
	ProfileUSE []string
	// SkipMissingRoots lists a root that no visible ebuild matches in
	// Graph.Missing instead of failing: for a root set made for another
	// tree, such as one read from a different snapshot's md5-cache.
	SkipMissingRoots bool
}

// DefaultProfileUSE is the implicit USE a plain profile of the Macaroni
// tree of 2024 enables in every ebuild: the arch, glibc, Linux, GNU
// userland, the 64-bit ABI on amd64, and one Python (3.9, the kits'
// newest but one of 3.7 to 3.10; an assumption, as the snapshot carries
// no profiles) for python-r1 and python-single-r1 ebuilds. Without them
// every elibc_glibc? and python_targets_*? group would be dropped, and
// with them glibc and the Python interpreter. It enables no feature flags
// (X, qt5, ssl…): those come from IUSE defaults alone.
func DefaultProfileUSE(arch string) []string {
	if arch == "" {
		arch = DefaultArch
	}
	use := []string{arch, "elibc_glibc", "kernel_linux", "userland_GNU",
		"python_targets_python3_9", "python_single_target_python3_9"}
	if arch == "amd64" {
		use = append(use, "abi_x86_64")
	}
	return use
}

// BuildGraph computes the build-order graph of roots over ebuilds.
//
// Each root is an atom (sys-devel/gcc, >=dev-lang/perl-5.38:0) or a package
// as the command line gives it (sys-devel/llvm-19.1.7); it selects the
// highest visible ebuild it matches (see GraphOptions.Arch), and a root
// that matches none is an error matching ErrNoEbuild. No roots means every
// package that has a visible ebuild, once, at its highest visible version.
//
// From the roots the graph takes the closure of what each ebuild requires,
// with its IUSE defaults and opts.ProfileUSE enabled: DEPEND, BDEPEND and
// IDEPEND (needed to build it) and RDEPEND (a dependency's runtime
// dependencies must be installed before it can be used to build anything)
// make edges; PDEPEND adds its packages to the closure, since emerge
// merges them, but orders nothing. Each atom resolves to the highest
// visible ebuild it matches (BestMatch); in an || group the first
// alternative whose atoms all resolve is taken. Blockers are not edges,
// nor is an atom that selects the ebuild itself, and atoms nothing
// matches are listed in Missing.
//
// USE dependencies of atoms ([ssl,-doc]) are not checked: the graph takes
// each ebuild's USE as configured, not as its dependents would want it.
//
// Portage trees have cycles, through RDEPEND mostly, and through the
// toolchain (glibc needs gcc, which needs a libc). BuildGraph breaks them
// deterministically, dropping as few edges as its heuristics find and a
// runtime edge rather than a build edge wherever that suffices (see
// breakCycles); every dropped edge closes a cycle with those kept, and is
// listed in Graph.Dropped.
func BuildGraph(ebuilds []Ebuild, roots []string, opts GraphOptions) (*Graph, error) {
	ix := newEbuildIndex(ebuilds, opts)
	start, skipped, err := ix.roots(roots, opts.SkipMissingRoots)
	if err != nil {
		return nil, err
	}
	c := closure{ix: ix, node: map[int]int{}, missing: map[*Atom]bool{}, skipped: skipped}
	for _, e := range start {
		c.add(e)
	}
	for i := 0; i < len(c.order); i++ {
		c.expand(i)
	}
	g, edges := c.graph(start)
	g.breakCycles(edges)
	return g, nil
}

// ebuildIndex finds the visible ebuilds of a package and resolves atoms.
type ebuildIndex struct {
	ebuilds []Ebuild
	arch    string
	byCP    map[cpKey][]int  // visible ebuilds of each cat/name
	cands   map[cpKey][]Atom // their packages, for BestMatch
	profile map[string]bool
	// resolved caches resolve by atom address: loaders share one Atom
	// among all the specifications that write it.
	resolved map[*Atom]int
}

// cpKey is cat/name without building the string.
type cpKey struct{ cat, name string }

func newEbuildIndex(ebuilds []Ebuild, opts GraphOptions) *ebuildIndex {
	arch := cmpOr(opts.Arch, DefaultArch)
	use := opts.ProfileUSE
	if use == nil {
		use = DefaultProfileUSE(arch)
	}
	ix := &ebuildIndex{ebuilds: ebuilds, arch: arch, byCP: map[cpKey][]int{}, cands: map[cpKey][]Atom{},
		profile: map[string]bool{}, resolved: map[*Atom]int{}}
	for _, f := range use {
		ix.profile[f] = true
	}
	for i := range ebuilds {
		e := &ebuilds[i]
		if e.Invalid != nil || !keywordVisible(e.Keywords, arch) {
			continue
		}
		cp := cpKey{e.Package.Category, e.Package.Name}
		ix.byCP[cp] = append(ix.byCP[cp], i)
		ix.cands[cp] = append(ix.cands[cp], e.Package)
	}
	return ix
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// keywordVisible reports whether KEYWORDS accept arch (see GraphOptions).
func keywordVisible(keywords []string, arch string) bool {
	for _, k := range keywords {
		if k == arch || k == "*" || k == "~*" || strings.HasPrefix(k, "~") && k[1:] == arch {
			return true
		}
	}
	return false
}

// resolve returns the ebuild a (not a blocker) selects, or false.
func (ix *ebuildIndex) resolve(a *Atom) (int, bool) {
	if e, ok := ix.resolved[a]; ok {
		return e, e >= 0
	}
	e := ix.bestMatch(a)
	ix.resolved[a] = e
	return e, e >= 0
}

// bestMatch returns the index of the ebuild BestMatch selects, or -1.
func (ix *ebuildIndex) bestMatch(a *Atom) int {
	cp := cpKey{a.Category, a.Name}
	cands := ix.cands[cp]
	best, ok := BestMatch(*a, cands)
	if !ok {
		return -1
	}
	for i, c := range cands {
		if samePackage(c, best) {
			return ix.byCP[cp][i]
		}
	}
	panic("portage: BestMatch returned a package that is not a candidate")
}

// samePackage reports whether two packages of one cat/name are the same
// ebuild (Key would say so too, but builds two strings to say it). Of two
// equal versions written differently (1.0 and 1.0-r0) the first is
// found, as BestMatch picks the first.
func samePackage(a, b Atom) bool {
	return a.Slot == b.Slot && a.SubSlot == b.SubSlot && a.Repo == b.Repo &&
		CompareVersions(*a.Version, *b.Version) == 0
}

// roots resolves BuildGraph's roots to ebuild indices. With skip, a root
// no visible ebuild matches is returned in skipped instead of failing.
func (ix *ebuildIndex) roots(roots []string, skip bool) (out []int, skipped []string, err error) {
	if len(roots) == 0 {
		for cp := range ix.cands {
			out = append(out, ix.bestMatch(&Atom{Category: cp.cat, Name: cp.name}))
		}
		slices.Sort(out)
		return out, nil, nil
	}
	for _, r := range roots {
		a, err := ParseAtom(r)
		if err != nil {
			if p, perr := ParsePackage(r); perr == nil {
				a, err = p, nil
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("graph root: %w", err)
		}
		if a.Blocker != NoBlock {
			return nil, nil, &kindError{ErrBadAtom, fmt.Errorf("graph root %q: a blocker names nothing to build", r)}
		}
		if e := ix.bestMatch(&a); e >= 0 {
			out = append(out, e)
			continue
		}
		if skip {
			skipped = append(skipped, r)
			continue
		}
		return nil, nil, &kindError{ErrNoEbuild, fmt.Errorf("graph root %q: no visible ebuild matches it (keywords %s or ~%s)", r, ix.arch, ix.arch)}
	}
	return out, skipped, nil
}
