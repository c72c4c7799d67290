package portage

import (
	"slices"
	"testing"

	"github.com/swarm-build/swarm/internal/world"
)

// Tests and benchmarks of BuildGraph over the real Macaroni tree
// (testdata/graph) and the realistic root set of internal/world.

func TestDataBuildGraph(t *testing.T) {
	ebuilds := realEbuilds(t)
	roots := world.RealisticRoots()
	g, err := BuildGraph(ebuilds, roots, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var edges, runtime int
	for _, n := range g.Nodes {
		edges += len(n.Deps)
	}
	for _, e := range g.Dropped {
		if e.Runtime {
			runtime++
		}
	}
	t.Logf("%d roots: %d packages, %d dependencies; %d missing atoms; %d dependencies dropped to break cycles (%d runtime)",
		len(roots), len(g.Nodes), edges, len(g.Missing), g.DroppedEdges, runtime)
	if len(g.Nodes) < 1500 || len(g.Roots) != len(roots) {
		t.Errorf("%d packages from %d root nodes, want 1,500+ from %d", len(g.Nodes), len(g.Roots), len(roots))
	}
	checkGraph(t, g)
	checkMissing(t, ebuilds, g)

	// The same graph whatever the order of the roots.
	reversed := slices.Clone(roots)
	slices.Reverse(reversed)
	again, err := BuildGraph(ebuilds, reversed, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(graphSummary(g), graphSummary(again)) || !slices.Equal(g.Missing, again.Missing) ||
		!slices.Equal(g.Dropped, again.Dropped) || !slices.Equal(g.Roots, again.Roots) {
		t.Error("the graph changes with the order of the roots")
	}
}

// TestDataBuildGraphWholeTree builds every package of the tree (no roots).
func TestDataBuildGraphWholeTree(t *testing.T) {
	ebuilds := realEbuilds(t)
	g, err := BuildGraph(ebuilds, nil, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("whole tree: %d packages (%d roots), %d missing atoms, %d dependencies dropped",
		len(g.Nodes), len(g.Roots), len(g.Missing), g.DroppedEdges)
	if len(g.Nodes) < 12000 {
		t.Errorf("only %d packages", len(g.Nodes))
	}
	checkGraph(t, g)
}

// checkMissing checks that no visible ebuild matches a missing atom.
func checkMissing(t *testing.T, ebuilds []Ebuild, g *Graph) {
	t.Helper()
	for _, s := range g.Missing {
		a, err := ParseAtom(s)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ebuilds {
			e := &ebuilds[i]
			if e.Invalid == nil && keywordVisible(e.Keywords, DefaultArch) && a.Matches(e.Package) {
				t.Errorf("missing %s, but %s matches it", s, e.Package.Key())
			}
		}
	}
}

// BenchmarkBuildGraph measures what swarm simulate does first: load the
// 20,231-ebuild TSV and build the graph of the realistic roots.
func BenchmarkBuildGraph(b *testing.B) {
	path := dataFile(b, "graph/macaroni-next-md5cache.tsv.gz")
	roots := world.RealisticRoots()
	b.Run("load+build", func(b *testing.B) {
		for b.Loop() {
			ebuilds, err := LoadEbuilds(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := BuildGraph(ebuilds, roots, GraphOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	ebuilds, err := LoadEbuilds(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if _, err := BuildGraph(ebuilds, roots, GraphOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
