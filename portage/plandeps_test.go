package portage

import (
	"compress/gzip"
	"os"
	"slices"
	"testing"
)

func TestPlanDepsOnRealMetadata(t *testing.T) {
	f, err := os.Open(dataFile(t, "graph/macaroni-next-md5cache.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	ebuilds, err := ReadMD5CacheTSV(gz)
	if err != nil {
		t.Fatal(err)
	}
	var plan []Atom
	for _, s := range []string{"dev-qt/qtcore-5.15.2_p20241013", "dev-qt/qtgui-5.15.2_p20241013", "app-misc/not-in-the-tree-1.0"} {
		a, err := ParsePackage(s)
		if err != nil {
			t.Fatal(err)
		}
		plan = append(plan, a)
	}
	deps, unknown := PlanDeps(ebuilds, plan, [][]string{{"icu"}, {"png", "X"}, nil})
	if len(deps[0]) != 0 || !slices.Equal(deps[1], []int{0}) || len(deps[2]) != 0 {
		t.Fatalf("deps %v", deps)
	}
	if !slices.Equal(unknown, []string{"app-misc/not-in-the-tree-1.0"}) {
		t.Fatalf("unknown %v", unknown)
	}
	// In the other order qtgui comes first: emerge would not have put it
	// there, and an edge pointing later in the plan is never kept.
	deps, _ = PlanDeps(ebuilds, []Atom{plan[1], plan[0]}, [][]string{{"png"}, nil})
	if len(deps[0]) != 0 || len(deps[1]) != 0 {
		t.Fatalf("reversed plan: deps %v", deps)
	}
}
