package simgraph

import (
	"github.com/swarm-build/swarm/internal/shareddata"
	"testing"
)

// dataFile returns rel under the repository's testdata/ (or
// $SWARM_SHARED_DATA), failing the test when it is absent.
func dataFile(t *testing.T, rel string) string {
	t.Helper()
	return shareddata.File(t, rel)
}

// TestLoadReal loads the benchmark's graph: the realistic world's closure
// over the Macaroni md5-cache with the real emerge.log's build times.
func TestLoadReal(t *testing.T) {
	in, err := Load(dataFile(t, "graph/macaroni-next-md5cache.tsv.gz"), dataFile(t, "emerge-log/emlop-emerge.10000.log.gz"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d packages from %d roots: %d measured, %d by category, %d by overall median",
		len(in.Jobs), in.Roots, in.Measured, in.ByCategory, in.Overall)
	if len(in.Jobs) < 1500 || in.Measured+in.ByCategory+in.Overall != len(in.Jobs) || in.Measured < 300 {
		t.Errorf("%+v", in)
	}
	seen := make(map[string]bool, len(in.Jobs))
	for i, j := range in.Jobs { // merge order: every dependency listed before
		for _, d := range j.Deps {
			if d >= i {
				t.Fatalf("%s (%d) is listed before its dependency %s (%d)", j.ID, i, in.Jobs[d].ID, d)
			}
		}
		if seen[j.ID] {
			t.Fatalf("%s twice", j.ID)
		}
		seen[j.ID] = true
	}
	small, err := Load(dataFile(t, "graph/macaroni-next-md5cache.tsv.gz"), dataFile(t, "emerge-log/emlop-emerge.10000.log.gz"), 20)
	if err != nil {
		t.Fatal(err)
	}
	if small.Roots != 20 || len(small.Jobs) >= len(in.Jobs) {
		t.Errorf("--world 20: %d roots, %d packages", small.Roots, len(small.Jobs))
	}
}
