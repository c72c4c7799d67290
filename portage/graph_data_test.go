package portage

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Tests over the Macaroni dependency graph and md5-cache (testdata/graph).

// depAtomWhitelist lists the dependency atoms of the real tree that
// ParseAtom rightly rejects, each with the reason. Portage rejects them too
// (its _use_dep raises InvalidAtom on an empty USE element, and "-" is no
// package name); they sit in ebuilds nobody merged with those flags on.
var depAtomWhitelist = map[string]string{
	// dev-vcs/git-cola-2.11 and -3.2, DEPEND under python_targets_python2_7?:
	// an empty USE list; PMS requires one or more USE dependencies inside [].
	"dev-python/sphinxtogithub[]": "empty USE dependency list",
	// app-text/wklej-0.2.1-r1, RDEPEND under vim?: a trailing comma leaves an
	// empty USE dependency.
	"app-editors/vim[python,]": "empty USE dependency after the comma",
	// dev-util/maturin-1.7.4 DEPEND: a generator iterated over the letters of
	// a string ("dev-python/s", ..., "dev-python/-"); a package name must
	// not begin with a hyphen.
	"dev-python/-[python_targets_python3_10(-)?,python_targets_python3_7(-)?," +
		"python_targets_python3_9(-)?,python_targets_python3_8(-)?," +
		"-python_single_target_python3_10(-),-python_single_target_python3_7(-)," +
		"-python_single_target_python3_9(-),-python_single_target_python3_8(-)]": "package name \"-\"",
}

// TestDataDependencyAtoms parses every distinct dependency atom of the
// Macaroni tree (DEPEND, RDEPEND, BDEPEND, PDEPEND, IDEPEND) and checks the
// atom names the package the table says it does.
func TestDataDependencyAtoms(t *testing.T) {
	path := dataFile(t, "graph/macaroni-next-dep-edges.tsv.gz")
	type edge struct{ cp, flags string }
	atoms := map[string]edge{}
	eachLine(t, path, func(line string) {
		if strings.HasPrefix(line, "#") {
			return
		}
		cols := strings.Split(line, "\t")
		atoms[cols[5]] = edge{cp: cols[3], flags: cols[4]}
	})
	var failed, listed int
	for s, e := range atoms {
		a, err := ParseAtom(s)
		_, whitelisted := depAtomWhitelist[s]
		switch {
		case err != nil && whitelisted:
			listed++
		case err != nil:
			failed++
			t.Error(err)
		case whitelisted:
			t.Errorf("ParseAtom(%q) succeeds, but the whitelist says it must fail", s)
		default:
			checkDepAtom(t, s, a, e.cp, e.flags)
		}
	}
	t.Logf("%d distinct dependency atoms: %d rejected as whitelisted bad atoms (%.3f%%), %d unexpected failures",
		len(atoms), listed, 100*float64(listed)/float64(len(atoms)), failed)
	if listed != len(depAtomWhitelist) {
		t.Errorf("%d whitelisted atoms seen, want %d: prune the whitelist", listed, len(depAtomWhitelist))
	}
	if len(atoms) < 20000 {
		t.Errorf("only %d atoms", len(atoms))
	}
}

func checkDepAtom(t *testing.T, s string, a Atom, cp, flags string) {
	t.Helper()
	if a.CP() != cp {
		t.Errorf("ParseAtom(%q).CP() = %q, table says %q", s, a.CP(), cp)
	}
	if a.String() != s {
		t.Errorf("ParseAtom(%q).String() = %q", s, a.String())
	}
	block := map[int]string{WeakBlock: "block", StrongBlock: "strongblock"}[a.Blocker]
	for _, f := range []string{"block", "strongblock"} {
		if strings.Contains(","+flags+",", ","+f+",") != (block == f) {
			t.Errorf("ParseAtom(%q): blocker %d, table flags %q", s, a.Blocker, flags)
		}
	}
}

// TestDataVersionOrder is the property test of CompareVersions over every
// distinct version of the real tree: sorting with it gives an order that is
// antisymmetric and transitive, agrees with an independent port of
// portage's vercmp, and calls versions with the same text equal.
func TestDataVersionOrder(t *testing.T) {
	seen := map[string]bool{}
	var vs []Version
	for _, r := range md5cacheRows(t) {
		a, err := ParsePackage(r.cpv)
		if err != nil {
			t.Fatal(err)
		}
		if s := a.Version.String(); !seen[s] {
			seen[s] = true
			vs = append(vs, *a.Version)
		}
	}
	slices.SortFunc(vs, CompareVersions)
	var equal []string
	for i := 1; i < len(vs); i++ {
		checkPair(t, vs[i-1], vs[i])
		if CompareVersions(vs[i-1], vs[i]) == 0 {
			equal = append(equal, vs[i-1].String()+" == "+vs[i].String())
		}
	}
	t.Logf("%d neighbours equal but written differently: %v", len(equal), equal)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60000 {
		i, j, k := sorted3(rng.IntN(len(vs)), rng.IntN(len(vs)), rng.IntN(len(vs)))
		checkPair(t, vs[i], vs[j])
		checkPair(t, vs[j], vs[k])
		checkPair(t, vs[i], vs[k])
	}
	for _, v := range vs {
		again := mustVersion(t, v.String())
		if CompareVersions(v, again) != 0 {
			t.Errorf("%s is not equal to itself re-parsed", v)
		}
	}
	t.Logf("%d distinct versions sorted; oldest %s, newest %s", len(vs), vs[0], vs[len(vs)-1])
}

// checkPair checks that a ≤ b ,
// antisymmetry, and agreement with the portage oracle.
func checkPair(t *testing.T, a, b Version) {
	t.Helper()
	ab, ba := CompareVersions(a, b), CompareVersions(b, a)
	if ab > 0 || ab != -ba {
		t.Fatalf("order broken: cmp(%s, %s) = %d, cmp(%s, %s) = %d", a, b, ab, b, a, ba)
	}
	if ref := portageVercmp(a.String(), b.String()); ref != ab {
		t.Fatalf("cmp(%s, %s) = %d, portage vercmp says %d", a, b, ab, ref)
	}
}

func sorted3(i, j, k int) (int, int, int) {
	s := []int{i, j, k}
	slices.Sort(s)
	return s[0], s[1], s[2]
}
