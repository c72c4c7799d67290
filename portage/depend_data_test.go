package portage

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// depKinds are the md5-cache TSV's dependency columns (0-based) by key.
var depKinds = []struct {
	key string
	col int
}{{"DEPEND", 6}, {"RDEPEND", 7}, {"BDEPEND", 8}, {"PDEPEND", 9}, {"IDEPEND", 10}}

// invalidSpecs are the dependency specifications of the real tree that
// ParseDepend rightly rejects, by "REPO CPV KEY", each with the atom at
// fault (or its beginning). Portage rejects them too (InvalidAtom, so it masks the ebuild as
// invalid); the first four hold atoms of depAtomWhitelist.
var invalidSpecs = map[string]string{
	"dev-kit dev-vcs/git-cola-2.11 DEPEND":             "dev-python/sphinxtogithub[]",
	"dev-kit dev-vcs/git-cola-3.2 DEPEND":              "dev-python/sphinxtogithub[]",
	"text-kit app-text/wklej-0.2.1-r1 RDEPEND":         "app-editors/vim[python,]",
	"python-modules-kit dev-util/maturin-1.7.4 DEPEND": "dev-python/-[",
	// An operator without a version.
	"core-kit virtual/libelf-2 RDEPEND": ">=dev-libs/libelf",
	// A version without an operator, in a blocker.
	"python-modules-kit dev-python/msgpack-compat-0.6.2 RDEPEND": "!dev-python/msgpack-1.0.7",
	// A USE dependency list that lacks its "]".
	"core-server-kit app-crypt/certbot-dns-dnsmadeeasy-2.11.0 RDEPEND": "dev-python/zope-interface[python_targets_python3_10(-)?,",
}

// TestDataParseDepend parses every dependency specification of the
// Macaroni tree (20,231 ebuilds, five keys each) and checks its atoms,
// in order and with their usecond/anyof/block flags, against the table of
// dependency edges derived from the same data. Only invalidSpecs may fail,
// and each must fail on its bad atom.
func TestDataParseDepend(t *testing.T) {
	want := depEdgeTable(t)
	var specs, atoms, rejected int
	eachLine(t, dataFile(t, "graph/macaroni-next-md5cache.tsv.gz"), func(line string) {
		if strings.HasPrefix(line, "#") {
			return
		}
		cols := strings.Split(line, "\t")
		for _, k := range depKinds {
			key := cols[0] + " " + cols[1] + " " + k.key
			d, err := ParseDepend(cols[k.col])
			specs++
			if err != nil {
				rejected++
				checkInvalidSpec(t, key, err)
				continue
			}
			if _, ok := invalidSpecs[key]; ok {
				t.Errorf("%s parses, but invalidSpecs says it must not", key)
			}
			got := flaggedAtoms(d, "")
			atoms += len(got)
			if !slices.Equal(got, want[key]) {
				t.Errorf("%s: atoms\n%q\nwant\n%q", key, got, want[key])
			}
		}
	})
	t.Logf("%d specifications parsed, %d atoms; %d rejected as invalid", specs, atoms, rejected)
	if specs != 5*20231 || rejected != len(invalidSpecs) {
		t.Errorf("%d specifications, %d rejected; want %d and %d", specs, rejected, 5*20231, len(invalidSpecs))
	}
}

// checkInvalidSpec fails unless err is the bad atom invalidSpecs names.
func checkInvalidSpec(t *testing.T, key string, err error) {
	t.Helper()
	atom, ok := invalidSpecs[key]
	if !ok || !errors.Is(err, ErrDepend) || !errors.Is(err, ErrBadAtom) ||
		!strings.Contains(err.Error(), `parse atom "`+atom) {
		t.Errorf("%s: %v", key, err)
	}
}

// flaggedAtoms lists d's atoms as the edge table writes them: "FLAGS ATOM",
// FLAGS being a comma list of block|strongblock|usecond|anyof in that
// order, or "-".
func flaggedAtoms(d Depend, ctx string) []string {
	switch d.Kind {
	case DepAtom:
		var f []string
		f = append(f, [...]string{"", "block", "strongblock"}[d.Atom.Blocker])
		for _, c := range []string{"usecond", "anyof"} {
			if strings.Contains(ctx, c) {
				f = append(f, c)
			}
		}
		flags := strings.Trim(strings.Join(f, ","), ",")
		if flags == "" {
			flags = "-"
		}
		return []string{flags + " " + d.Atom.String()}
	case DepUseCond:
		ctx += " usecond"
	case DepAnyOf:
		ctx += " anyof"
	}
	var out []string
	for _, c := range d.Children {
		out = append(out, flaggedAtoms(c, ctx)...)
	}
	return out
}

// depEdgeTable reads graph/macaroni-next-dep-edges.tsv.gz into
// "REPO CPV KIND" → ["FLAGS ATOM", ...] in file order.
func depEdgeTable(t *testing.T) map[string][]string {
	m := map[string][]string{}
	eachLine(t, dataFile(t, "graph/macaroni-next-dep-edges.tsv.gz"), func(line string) {
		if strings.HasPrefix(line, "#") {
			return
		}
		c := strings.Split(line, "\t")
		key := c[0] + " " + c[1] + " " + c[2]
		m[key] = append(m[key], c[4]+" "+c[5])
	})
	return m
}
