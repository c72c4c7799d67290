package portage

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"
)

// graphFixture is a small tree of real ebuilds, their rows of the
// Macaroni md5-cache TSV (testdata/graph) with the columns BuildGraph
// reads; dev-lang/python's dependencies are abridged. It shows keyword
// selection (icu-69.1 has only the "next" keyword, pkgconf-9999 none),
// slot dependencies (python:3.9), IUSE defaults (+lzma on, icu off),
// profile USE (python_single_target_python3_9, +readline with !libedit?),
// || choice (icu's first alternative, python:3.8, is not in the tree),
// runtime edges (virtual/pkgconfig), blockers, PDEPEND, missing packages,
// and a real build cycle: xz-utils is built with elt-patches, which
// depends on xz-utils.
var graphFixture = strings.Join([]string{
	"#REPO\tCPV\tSLOT\tKEYWORDS\tIUSE\tDEPEND\tRDEPEND\tBDEPEND\tPDEPEND",
	"core-kit\tdev-libs/libxml2-2.11.5\t2\t*\t" +
		"debug examples +ftp icu +lzma +python readline static-libs test python_single_target_python3_10 python_single_target_python3_9\t" +
		"virtual/libiconv >=sys-libs/zlib-1.2.8-r1:= icu? ( >=dev-libs/icu-51.2-r1:= ) lzma? ( >=app-arch/xz-utils-5.0.5-r1:= ) " +
		"readline? ( sys-libs/readline:= ) python_single_target_python3_10? ( dev-lang/python:3.10 >=dev-lang/python-exec-2:=[python_targets_python3_10] ) " +
		"python_single_target_python3_9? ( dev-lang/python:3.9 >=dev-lang/python-exec-2:=[python_targets_python3_9] )\t" +
		"virtual/libiconv >=sys-libs/zlib-1.2.8-r1:= icu? ( >=dev-libs/icu-51.2-r1:= ) lzma? ( >=app-arch/xz-utils-5.0.5-r1:= ) readline? ( sys-libs/readline:= )\t" +
		"virtual/pkgconfig >=app-portage/elt-patches-20170815 || ( >=sys-devel/automake-1.16.5:1.16 ) >=sys-devel/autoconf-2.71 >=sys-devel/libtool-2.4 app-arch/xz-utils\t" +
		"python? ( dev-python/libxml2-python )",
	"core-kit\tdev-libs/icu-67.1\t0/67.1\t*\tdebug doc examples static-libs\t\t\t" +
		"|| ( dev-lang/python:3.8 dev-lang/python:3.9 dev-lang/python:3.7 dev-lang/python:3.10 ) virtual/pkgconfig doc? ( app-doc/doxygen[dot] ) " +
		">=app-portage/elt-patches-20170815 || ( >=sys-devel/automake-1.16.5:1.16 ) >=sys-devel/autoconf-2.71 >=sys-devel/libtool-2.4\t",
	"core-kit\tdev-libs/icu-69.1\t0/69.1\tnext\tdebug doc examples static-libs\t\t\t" +
		"|| ( dev-lang/python:3.8 dev-lang/python:3.9 dev-lang/python:3.7 dev-lang/python:3.10 ) virtual/pkgconfig\t",
	"core-kit\tapp-arch/xz-utils-5.6.3\t0\t*\telibc_FreeBSD +extra-filters nls static-libs +split-usr\t" +
		"!<app-arch/lzma-4.63 !<app-arch/p7zip-4.57 !<app-i18n/man-pages-de-2.16\t!<app-arch/lzma-4.63 !<app-arch/p7zip-4.57 !<app-i18n/man-pages-de-2.16\t" +
		">=app-portage/elt-patches-20170815\t",
	"core-kit\tsys-libs/zlib-1.3.1\t0\t*\tminizip static-libs\t" +
		"minizip? ( || ( >=sys-devel/automake-1.16.5:1.16 ) >=sys-devel/autoconf-2.71 >=sys-devel/libtool-2.4 )\t\t>=app-portage/elt-patches-20170815\t",
	"core-kit\tapp-portage/elt-patches-20170815\t0\talpha amd64 arm\t\tapp-arch/xz-utils\tsys-apps/gentoo-functions\t\t",
	"core-kit\tapp-portage/elt-patches-20170826.1\t0\t~alpha ~amd64 ~arm\t\tapp-arch/xz-utils\tsys-apps/gentoo-functions\t\t",
	"core-kit\tvirtual/pkgconfig-2\t0\t*\t\t\t" +
		"|| ( >=dev-util/pkgconf-1.3.7[pkg-config] >=dev-util/pkgconfig-0.29.2 >=dev-util/pkgconfig-openbsd-20130507-r2[pkg-config] )\t\t",
	"core-kit\tdev-util/pkgconf-1.5.4\t0/3\talpha amd64 arm\t+pkg-config test\ttest? ( dev-libs/atf dev-util/kyua )\t" +
		"pkg-config? ( !dev-util/pkgconfig !dev-util/pkg-config-lite !dev-util/pkgconfig-openbsd[pkg-config] )\t\t",
	"core-kit\tdev-util/pkgconf-9999\t0/3\t\t+pkg-config test\t>=dev-vcs/git-1.8.2.1[curl]\t\t\t",
	"python-kit\tdev-lang/python-3.9.21\t3.9\t*\tlibedit +readline\t" +
		"app-arch/xz-utils:= >=sys-libs/zlib-1.1.3:= readline? ( !libedit? ( >=sys-libs/readline-4.1:= ) libedit? ( dev-libs/libedit:= ) )\t\t\t" +
		">=app-eselect/eselect-python-20140125-r1",
	"python-kit\tdev-lang/python-3.10.16\t3.10\t*\tlibedit +readline\t" +
		"app-arch/xz-utils:= >=sys-libs/zlib-1.1.3:= readline? ( !libedit? ( >=sys-libs/readline-4.1:= ) libedit? ( dev-libs/libedit:= ) )\t\t\t" +
		">=app-eselect/eselect-python-20140125-r1",
	"core-kit\tsys-libs/readline-8.2.13\t0/8\t*\tstatic-libs +unicode utils\t>=sys-libs/ncurses-5.9-r3:=[static-libs?,-mgorny(-)]\t\tvirtual/pkgconfig\t",
	"core-kit\tdev-lang/python-exec-2.4.6-r2\t2\t*\tpython_targets_python3_9\t\t" +
		"!<app-eselect/eselect-python-20160206 !<dev-lang/python-2.7.10-r4:2.7\t\t",
}, "\n")

func fixtureEbuilds(t *testing.T) []Ebuild {
	t.Helper()
	ebuilds, err := ReadMD5CacheTSV(strings.NewReader(graphFixture))
	if err != nil {
		t.Fatal(err)
	}
	return ebuilds
}

// graphSummary writes a graph as "cpv: dep dep" lines (CPVs without slot
// and repository), in node order.
func graphSummary(g *Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		var deps []string
		for _, d := range n.Deps {
			deps = append(deps, g.Nodes[d].Package.CPV())
		}
		out = append(out, strings.TrimSpace(n.Package.CPV()+": "+strings.Join(deps, " ")))
	}
	return out
}

func TestBuildGraphFixture(t *testing.T) {
	tests := []struct {
		name    string
		roots   []string
		opts    GraphOptions
		want    []string
		missing []string
	}{{
		name:  "default profile",
		roots: []string{"dev-libs/libxml2", "dev-libs/icu"},
		want: []string{
			"app-arch/xz-utils-5.6.3: app-portage/elt-patches-20170826.1",
			"app-portage/elt-patches-20170826.1:", // → xz-utils dropped: the cycle
			"dev-lang/python-3.9.21: app-arch/xz-utils-5.6.3 sys-libs/readline-8.2.13 sys-libs/zlib-1.3.1",
			"dev-lang/python-exec-2.4.6-r2:",
			"dev-libs/icu-67.1: app-portage/elt-patches-20170826.1 dev-lang/python-3.9.21 virtual/pkgconfig-2",
			"dev-libs/libxml2-2.11.5: app-arch/xz-utils-5.6.3 app-portage/elt-patches-20170826.1 dev-lang/python-3.9.21 " +
				"dev-lang/python-exec-2.4.6-r2 sys-libs/zlib-1.3.1 virtual/pkgconfig-2",
			"dev-util/pkgconf-1.5.4:",
			"sys-libs/readline-8.2.13: virtual/pkgconfig-2",
			"sys-libs/zlib-1.3.1: app-portage/elt-patches-20170826.1",
			"virtual/pkgconfig-2: dev-util/pkgconf-1.5.4",
		},
		missing: []string{">=app-eselect/eselect-python-20140125-r1", ">=sys-devel/autoconf-2.71", ">=sys-devel/automake-1.16.5:1.16",
			">=sys-devel/libtool-2.4", ">=sys-libs/ncurses-5.9-r3:=[static-libs?,-mgorny(-)]", "dev-python/libxml2-python",
			"sys-apps/gentoo-functions", "virtual/libiconv"},
	}, {
		name:  "python 3.10 profile, a root pinned to an older version",
		roots: []string{"dev-libs/libxml2", "=app-portage/elt-patches-20170815"},
		opts:  GraphOptions{ProfileUSE: []string{"amd64", "python_single_target_python3_10"}},
		want: []string{
			// elt-patches-20170815 needs xz-utils too, which makes
			// xz-utils the package more others need: the cycle now loses
			// xz-utils' edge to elt-patches instead.
			"app-arch/xz-utils-5.6.3:",
			"app-portage/elt-patches-20170815: app-arch/xz-utils-5.6.3",
			"app-portage/elt-patches-20170826.1: app-arch/xz-utils-5.6.3",
			"dev-lang/python-3.10.16: app-arch/xz-utils-5.6.3 sys-libs/readline-8.2.13 sys-libs/zlib-1.3.1",
			"dev-lang/python-exec-2.4.6-r2:",
			"dev-libs/libxml2-2.11.5: app-arch/xz-utils-5.6.3 app-portage/elt-patches-20170826.1 dev-lang/python-3.10.16 " +
				"dev-lang/python-exec-2.4.6-r2 sys-libs/zlib-1.3.1 virtual/pkgconfig-2",
			"dev-util/pkgconf-1.5.4:",
			"sys-libs/readline-8.2.13: virtual/pkgconfig-2",
			"sys-libs/zlib-1.3.1: app-portage/elt-patches-20170826.1",
			"virtual/pkgconfig-2: dev-util/pkgconf-1.5.4",
		},
		missing: []string{">=app-eselect/eselect-python-20140125-r1", ">=sys-devel/autoconf-2.71", ">=sys-devel/automake-1.16.5:1.16",
			">=sys-devel/libtool-2.4", ">=sys-libs/ncurses-5.9-r3:=[static-libs?,-mgorny(-)]", "dev-python/libxml2-python",
			"sys-apps/gentoo-functions", "virtual/libiconv"},
	}}
	for _, tt := range tests {
		g, err := BuildGraph(fixtureEbuilds(t), tt.roots, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := graphSummary(g); !slices.Equal(got, tt.want) {
			t.Errorf("%s: graph\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
		if !slices.Equal(g.Missing, tt.missing) {
			t.Errorf("%s: missing\n%q\nwant\n%q", tt.name, g.Missing, tt.missing)
		}
		checkGraph(t, g)
	}
}

// TestBuildGraphFixtureCycle: the real xz-utils ↔ elt-patches cycle is
// broken at elt-patches' dependency on xz-utils, which a bootstrapped
// system satisfies with the xz-utils already installed.
func TestBuildGraphFixtureCycle(t *testing.T) {
	g, err := BuildGraph(fixtureEbuilds(t), []string{"app-arch/xz-utils"}, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "app-portage/elt-patches-20170826.1 → app-arch/xz-utils-5.6.3 (build)"
	if got := droppedSummary(g); len(got) != 1 || got[0] != want || g.DroppedEdges != 1 {
		t.Errorf("dropped %q (%d), want [%s]", got, g.DroppedEdges, want)
	}
	if len(g.Roots) != 1 || g.Nodes[g.Roots[0]].Package.CPV() != "app-arch/xz-utils-5.6.3" {
		t.Errorf("roots %v", g.Roots)
	}
}

func droppedSummary(g *Graph) []string {
	var out []string
	for _, e := range g.Dropped {
		kind := "build"
		if e.Runtime {
			kind = "runtime"
		}
		out = append(out, g.Nodes[e.From].Package.CPV()+" → "+g.Nodes[e.To].Package.CPV()+" ("+kind+")")
	}
	return out
}

func TestBuildGraphRoots(t *testing.T) {
	ebuilds := fixtureEbuilds(t)
	for _, tt := range []struct {
		root string
		err  error
		want string
	}{
		{"dev-libs/nothing", ErrNoEbuild, `graph root "dev-libs/nothing": no visible ebuild matches it (keywords amd64 or ~amd64)`},
		{"=dev-libs/icu-69.1", ErrNoEbuild, `graph root "=dev-libs/icu-69.1": no visible ebuild matches it (keywords amd64 or ~amd64)`},
		{"!dev-libs/icu", ErrBadAtom, `graph root "!dev-libs/icu": a blocker names nothing to build`},
		{"dev-libs", ErrBadAtom, `graph root: parse atom "dev-libs": no category in "dev-libs" (want cat/name, like sys-devel/llvm)`},
	} {
		_, err := BuildGraph(ebuilds, []string{tt.root}, GraphOptions{})
		if !errors.Is(err, tt.err) || err.Error() != tt.want {
			t.Errorf("root %q: %v, want %s", tt.root, err, tt.want)
		}
	}
	// A package as the command line gives it, and a root with a slot.
	g, err := BuildGraph(ebuilds, []string{"dev-libs/icu-67.1", "dev-lang/python:3.10"}, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var roots []string
	for _, r := range g.Roots {
		roots = append(roots, g.Nodes[r].Package.CPV())
	}
	if !slices.Equal(roots, []string{"dev-lang/python-3.10.16", "dev-libs/icu-67.1"}) {
		t.Errorf("roots %q", roots)
	}
	// Skipped roots are listed as missing.
	g, err = BuildGraph(ebuilds, []string{"dev-libs/nothing", "dev-util/pkgconf"}, GraphOptions{SkipMissingRoots: true})
	if err != nil || !slices.Equal(g.Missing, []string{"dev-libs/nothing"}) || len(g.Nodes) != 1 {
		t.Errorf("SkipMissingRoots: %v, missing %q, %d nodes", err, g.Missing, len(g.Nodes))
	}
	// No roots: every package at its highest visible version.
	g, err = BuildGraph(ebuilds, nil, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 11 || len(g.Roots) != 10 {
		t.Errorf("no roots: %d nodes, %d roots; want 11 (python in two slots) and 10\n%s", len(g.Nodes), len(g.Roots), strings.Join(graphSummary(g), "\n"))
	}
}

// TestBuildGraphCycles checks which edge of each kind of cycle is
// dropped, on made-up packages that show the rule alone.
func TestBuildGraphCycles(t *testing.T) {
	rows := []string{
		"#REPO\tCPV\tSLOT\tKEYWORDS\tDEPEND\tRDEPEND",
		// A build edge and a runtime edge: the runtime one goes.
		"r\ta/lib-1\t0\t*\ta/tool\t",
		"r\ta/tool-1\t0\t*\t\ta/lib",
		// A cycle of three with one runtime edge, the last one.
		"r\tb/one-1\t0\t*\tb/two\t",
		"r\tb/two-1\t0\t*\tb/three\t",
		"r\tb/three-1\t0\t*\t\tb/one",
		// Build edges only, all else equal: the edge from the higher index
		// goes.
		"r\tc/egg-1\t0\t*\tc/hen\t",
		"r\tc/hen-1\t0\t*\tc/egg\t",
		// A hub many need (d/a), in a cycle with a package that only it
		// needs: the hub's own edge goes, not one into it, though the
		// hub's index is lower.
		"r\td/a-1\t0\t*\td/z\t",
		"r\td/z-1\t0\t*\td/a\t",
		"r\td/b-1\t0\t*\td/a\t",
		"r\td/c-1\t0\t*\td/a d/b\t",
	}
	ebuilds, err := ReadMD5CacheTSV(strings.NewReader(strings.Join(rows, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	g, err := BuildGraph(ebuilds, nil, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a/tool-1 → a/lib-1 (runtime)",
		"b/three-1 → b/one-1 (runtime)",
		"c/hen-1 → c/egg-1 (build)",
		"d/a-1 → d/z-1 (build)",
	}
	got := droppedSummary(g)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("dropped\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkGraph(t, g)
}

func TestTopoOrder(t *testing.T) {
	g, err := BuildGraph(fixtureEbuilds(t), []string{"dev-libs/libxml2"}, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	order, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range order {
		names = append(names, g.Nodes[i].Package.CPV())
	}
	// Of the packages ready at each step, the lowest index (by name) first.
	want := "app-portage/elt-patches-20170826.1 app-arch/xz-utils-5.6.3 dev-lang/python-exec-2.4.6-r2 dev-util/pkgconf-1.5.4 " +
		"sys-libs/zlib-1.3.1 virtual/pkgconfig-2 sys-libs/readline-8.2.13 dev-lang/python-3.9.21 dev-libs/libxml2-2.11.5"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("TopoOrder:\n%s\nwant\n%s", got, want)
	}

	// Put the dropped edge back: elt-patches → xz-utils → elt-patches.
	e := g.Dropped[0]
	g.Nodes[e.From].Deps = append(g.Nodes[e.From].Deps, e.To)
	_, err = g.TopoOrder()
	wantErr := "5 of 9 packages wait on a dependency cycle: app-arch/xz-utils-5.6.3:0::core-kit → " +
		"app-portage/elt-patches-20170826.1:0::core-kit → app-arch/xz-utils-5.6.3:0::core-kit"
	if !errors.Is(err, ErrCycle) || err.Error() != wantErr {
		t.Errorf("TopoOrder with a cycle: %v\nwant %s", err, wantErr)
	}
}

// checkGraph checks BuildGraph's promises: nodes sorted by key, Deps
// ascending, distinct, in range and not the node itself; acyclic; every
// dropped edge closes a cycle with the edges kept; every edge, kept or
// dropped, is to a package that a dependency atom of its source matches.
func checkGraph(t *testing.T, g *Graph) {
	t.Helper()
	for i, n := range g.Nodes {
		if i > 0 && g.Nodes[i-1].Package.Key() >= n.Package.Key() {
			t.Errorf("nodes out of order: %s before %s", g.Nodes[i-1].Package.Key(), n.Package.Key())
		}
		if !slices.IsSorted(n.Deps) || len(slices.Compact(slices.Clone(n.Deps))) != len(n.Deps) {
			t.Errorf("%s: deps %v not ascending and distinct", n.Package.Key(), n.Deps)
		}
		for _, d := range n.Deps {
			if d < 0 || d >= len(g.Nodes) || d == i {
				t.Fatalf("%s: dep %d", n.Package.Key(), d)
			}
			checkEdge(t, g, i, d)
		}
	}
	order, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	pos := make([]int, len(g.Nodes))
	for p, i := range order {
		pos[i] = p
	}
	for i, n := range g.Nodes {
		for _, d := range n.Deps {
			if pos[d] >= pos[i] {
				t.Fatalf("TopoOrder puts %s before its dependency %s", n.Package.Key(), g.Nodes[d].Package.Key())
			}
		}
	}
	if !slices.IsSortedFunc(g.Dropped, func(a, b Edge) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) }) {
		t.Errorf("Dropped not ordered by From, To: %v", g.Dropped)
	}
	if g.DroppedEdges != len(g.Dropped) {
		t.Errorf("DroppedEdges %d, %d dropped", g.DroppedEdges, len(g.Dropped))
	}
	for _, e := range g.Dropped {
		checkEdge(t, g, e.From, e.To)
		if !reachable(g, e.To, e.From) {
			t.Errorf("dropped %s → %s closes no cycle", g.Nodes[e.From].Package.Key(), g.Nodes[e.To].Package.Key())
		}
	}
}

// checkEdge checks that some dependency atom of from's ebuild that orders
// builds matches to.
func checkEdge(t *testing.T, g *Graph, from, to int) {
	t.Helper()
	e, p := g.Nodes[from].Ebuild, g.Nodes[to].Package
	for _, d := range []Depend{e.Depend, e.BDepend, e.IDepend, e.RDepend} {
		for _, a := range d.Atoms() {
			if a.Blocker == NoBlock && a.Matches(p) {
				return
			}
		}
	}
	t.Errorf("edge %s → %s: no dependency atom matches", g.Nodes[from].Package.Key(), p.Key())
}

// reachable reports whether Deps lead from a to b.
func reachable(g *Graph, a, b int) bool {
	seen := map[int]bool{a: true}
	stack := []int{a}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == b {
			return true
		}
		for _, d := range g.Nodes[n].Deps {
			if !seen[d] {
				seen[d] = true
				stack = append(stack, d)
			}
		}
	}
	return false
}
