package world

import (
	"compress/gzip"
	"flag"
	"github.com/swarm-build/swarm/internal/shareddata"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/portage"
)

var update = flag.Bool("update", false, "rewrite roots.txt from testdata/")

// sharedData returns rel under the repository's testdata/ (or
// $SWARM_SHARED_DATA), failing the test when it is absent.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	return shareddata.File(t, rel)
}

// TestRootsMatchSharedData rebuilds roots.txt from testdata/ as
// SOURCES.md describes and compares; -update rewrites it.
func TestRootsMatchSharedData(t *testing.T) {
	ebuilds, err := portage.LoadEbuilds(sharedData(t, "graph/macaroni-next-md5cache.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, cpv := range append(mergedCPVs(t), pretendCPVs(t)...) {
		a, err := portage.ParsePackage(cpv)
		if err != nil {
			t.Fatal(err)
		}
		want[a.CP()] = true
	}
	t.Logf("%d packages named by the emerge.log and the two emerge -p lists", len(want))
	for _, e := range ebuilds {
		if e.Package.Repo == "core-kit" {
			want[e.Package.CP()] = true
		}
	}
	candidates := slices.Sorted(func(yield func(string) bool) {
		for cp := range want {
			if !yield(cp) {
				return
			}
		}
	})
	g, err := portage.BuildGraph(ebuilds, candidates, portage.GraphOptions{SkipMissingRoots: true})
	if err != nil {
		t.Fatal(err)
	}
	roots := slices.DeleteFunc(candidates, func(cp string) bool { _, found := slices.BinarySearch(g.Missing, cp); return found })
	t.Logf("%d candidate roots, %d with a visible ebuild", len(want), len(roots))
	if *update {
		text := header + strings.Join(roots, "\n") + "\n"
		if err := os.WriteFile("roots.txt", []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := RealisticRoots(); !slices.Equal(got, roots) {
		t.Errorf("roots.txt has %d roots, testdata/ gives %d: run go test ./internal/world -run TestRootsMatchSharedData -update (which fails once, against the old embedded copy)", len(got), len(roots))
	}
}

const header = `# The @world of a real KDE desktop, resolved against the Macaroni snapshot.
# Generated: go test ./internal/world -run TestRootsMatchSharedData -update
# See SOURCES.md.
`

// mergedCPVs returns the package of every completed merge in the real
// emerge.log.
func mergedCPVs(t *testing.T) []string {
	f, err := os.Open(sharedData(t, "emerge-log/emlop-emerge.10000.log.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	merges, err := portage.ParseEmergeLog(r)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range merges {
		out = append(out, m.CPV)
	}
	return out
}

// pretendCPVs returns the packages of the KDE and Qt emerge -p lists.
func pretendCPVs(t *testing.T) []string {
	var out []string
	for _, name := range []string{"emlop-emerge-p.kde.out.txt", "emlop-emerge-p.qt.out.txt"} {
		f, err := os.Open(sharedData(t, filepath.Join("emerge-pretend", name)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := portage.ParsePretend(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Builds() {
			out = append(out, e.Package.CPV())
		}
	}
	return out
}

// TestRealisticRootsClosure: the roots' closure over the Macaroni tree is
// the 1,500+ package graph the scheduling benchmarks need.
func TestRealisticRootsClosure(t *testing.T) {
	ebuilds, err := portage.LoadEbuilds(sharedData(t, "graph/macaroni-next-md5cache.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	roots := RealisticRoots()
	g, err := portage.BuildGraph(ebuilds, roots, portage.GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) < 1500 || len(g.Roots) != len(roots) {
		t.Errorf("%d roots give %d root nodes and %d packages; want one node each and 1,500+", len(roots), len(g.Roots), len(g.Nodes))
	}
	t.Logf("%d roots, %d packages, %d missing atoms, %d dependencies dropped to break cycles",
		len(roots), len(g.Nodes), len(g.Missing), g.DroppedEdges)
}
