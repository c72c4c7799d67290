package portage

import (
	"testing"
)

func atomT(t testing.TB, s string) Atom {
	t.Helper()
	a, err := ParseAtom(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func packageT(t testing.TB, s string) Atom {
	t.Helper()
	p, err := ParsePackage(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMatches(t *testing.T) {
	tests := []struct {
		atom, pkg string
		want      bool
	}{
		// Names.
		{"dev-libs/foo", "dev-libs/foo-1", true},
		{"dev-libs/foo", "dev-libs/foo-bar-1", false},
		{"dev-libs/foo", "dev-util/foo-1", false},
		{"dev-libs/foo-bar", "dev-libs/foo-1", false},

		// Plain comparison operators (PMS 8.3.1).
		{"<dev-libs/foo-1.2", "dev-libs/foo-1.1", true},
		{"<dev-libs/foo-1.2", "dev-libs/foo-1.2", false},
		{"<dev-libs/foo-1.2", "dev-libs/foo-1.2_rc1", true},
		{"<=dev-libs/foo-1.2", "dev-libs/foo-1.2", true},
		{"<=dev-libs/foo-1.2", "dev-libs/foo-1.2-r1", false},
		{"=dev-libs/foo-1.2", "dev-libs/foo-1.2", true},
		{"=dev-libs/foo-1.2", "dev-libs/foo-1.2-r0", true}, // -r0 is no revision
		{"=dev-libs/foo-1.2", "dev-libs/foo-1.2-r1", false},
		{"=dev-libs/foo-1.2", "dev-libs/foo-1.2.0", false},
		{"=dev-libs/foo-1.01", "dev-libs/foo-1.010", true}, // equal by PMS 3.3
		{">=dev-libs/foo-1.2", "dev-libs/foo-1.2", true},
		{">=dev-libs/foo-1.2", "dev-libs/foo-1.2_p1", true},
		{">=dev-libs/foo-1.2", "dev-libs/foo-1.2_alpha", false},
		{">dev-libs/foo-1.2", "dev-libs/foo-1.2", false},
		{">dev-libs/foo-1.2", "dev-libs/foo-1.2-r1", true},
		{">dev-libs/foo-1.2", "dev-libs/foo-1.10", true},

		// ~: equal when revisions are ignored.
		{"~dev-libs/foo-1.2", "dev-libs/foo-1.2", true},
		{"~dev-libs/foo-1.2", "dev-libs/foo-1.2-r7", true},
		{"~dev-libs/foo-1.2-r3", "dev-libs/foo-1.2-r1", true},
		{"~dev-libs/foo-1.2", "dev-libs/foo-1.2.1", false},
		{"~dev-libs/foo-1.2", "dev-libs/foo-1.2_p1", false},
		{"~dev-libs/foo-1.2", "dev-libs/foo-1.2a", false},

		// =*: only the written components count.
		{"=dev-lang/python-3.1*", "dev-lang/python-3.1", true},
		{"=dev-lang/python-3.1*", "dev-lang/python-3.1.2", true},
		{"=dev-lang/python-3.1*", "dev-lang/python-3.1-r2", true},
		{"=dev-lang/python-3.1*", "dev-lang/python-3.1_rc1", true},
		{"=dev-lang/python-3.1*", "dev-lang/python-3.1a", true},
		{"=dev-lang/python-3.1*", "dev-lang/python-3.10", false},
		{"=dev-lang/python-3.1*", "dev-lang/python-3.11.2", false},
		{"=dev-lang/python-3.1*", "dev-lang/python-3", false},
		{"=dev-lang/python-3.1*", "dev-lang/python-3.2", false},
		{"=x11-libs/gtk+-2*", "x11-libs/gtk+-2.24.33", true},
		{"=x11-libs/gtk+-2*", "x11-libs/gtk+-2_alpha", true},
		{"=x11-libs/gtk+-2*", "x11-libs/gtk+-21.0", false},
		{">=dev-lang/python-3.13", "dev-lang/python-3.13.0_rc3", true}, // 3.13.0 > 3.13
		{"=dev-libs/foo-01*", "dev-libs/foo-1.5", true},                // the first component is an integer
		{"=dev-libs/foo-1.0*", "dev-libs/foo-1.00", true},
		{"=dev-libs/foo-1.0*", "dev-libs/foo-1.0.0", true},
		{"=dev-libs/foo-1.0a*", "dev-libs/foo-1.0a_p3", true},
		{"=dev-libs/foo-1.0a*", "dev-libs/foo-1.0b", false},
		{"=dev-libs/foo-1.0a*", "dev-libs/foo-1.0", false},
		{"=dev-libs/foo-1.0a*", "dev-libs/foo-1.0.1a", false},
		{"=dev-libs/foo-1.0_rc*", "dev-libs/foo-1.0_rc", true},
		{"=dev-libs/foo-1.0_rc*", "dev-libs/foo-1.0_rc5", true},
		{"=dev-libs/foo-1.0_rc*", "dev-libs/foo-1.0_rc5_p1-r2", true},
		{"=dev-libs/foo-1.0_rc*", "dev-libs/foo-1.0_beta5", false},
		{"=dev-libs/foo-1.0_rc*", "dev-libs/foo-1.0.1_rc1", false},
		{"=dev-libs/foo-1.0_rc*", "dev-libs/foo-1.0a_rc1", false},
		{"=dev-libs/foo-1.0_rc*", "dev-libs/foo-1.0", false},
		{"=dev-libs/foo-1.0_rc1*", "dev-libs/foo-1.0_rc1_p2", true},
		{"=dev-libs/foo-1.0_rc1*", "dev-libs/foo-1.0_rc10", false},
		{"=dev-libs/foo-1_rc_p*", "dev-libs/foo-1_rc0_p4", true},
		{"=dev-libs/foo-1_rc_p*", "dev-libs/foo-1_rc1_p4", false},
		{"=dev-libs/foo-1.0-r1*", "dev-libs/foo-1.0-r1", true},
		{"=dev-libs/foo-1.0-r1*", "dev-libs/foo-1.0-r10", false},
		{"=dev-libs/foo-1.0-r1*", "dev-libs/foo-1.0_p1-r1", false},
		{"=dev-libs/foo-1.0-r0*", "dev-libs/foo-1.0", true},

		// Slots and sub-slots: restrict when both sides say.
		{"dev-qt/qtcore:5", "dev-qt/qtcore-5.9.4:5/5.9::gentoo", true},
		{"dev-qt/qtcore:5", "dev-qt/qtcore-6.7.2:6/6.7::gentoo", false},
		{"dev-qt/qtcore:5/5.9", "dev-qt/qtcore-5.9.4:5/5.9", true},
		{"dev-qt/qtcore:5/5.15", "dev-qt/qtcore-5.9.4:5/5.9", false},
		{"dev-qt/qtcore:5/5.15", "dev-qt/qtcore-5.15.2:5", true},  // sub-slot unknown
		{"dev-qt/qtcore:5", "dev-qt/qtcore-6.7.2", true},          // slot unknown
		{"dev-qt/qtcore:5=", "dev-qt/qtcore-5.9.4:5/5.9", true},   // slot= restricts the slot
		{"dev-qt/qtcore:5=", "dev-qt/qtcore-6.7.2:6/6.7", false},  //
		{"dev-qt/qtcore:=", "dev-qt/qtcore-6.7.2:6/6.7", true},    // := restricts nothing
		{"dev-qt/qtcore:*", "dev-qt/qtcore-6.7.2:6/6.7", true},    // nor does :*
		{">=dev-qt/qtcore-5.9:5=", "dev-qt/qtcore-5.9.4:5", true}, //
		{">=dev-qt/qtcore-5.9:5=", "dev-qt/qtcore-5.8:5", false},  //

		// Repositories.
		{"dev-libs/foo::gentoo", "dev-libs/foo-1::gentoo", true},
		{"dev-libs/foo::gentoo", "dev-libs/foo-1::guru", false},
		{"dev-libs/foo::gentoo", "dev-libs/foo-1", true}, // repo unknown
		{"dev-libs/foo", "dev-libs/foo-1::guru", true},

		// Ignored: USE dependencies, blockers, build ids.
		{"dev-libs/foo[bar,-baz]", "dev-libs/foo-1", true},
		{"!dev-libs/foo", "dev-libs/foo-1", true},
		{"!!<dev-libs/foo-2", "dev-libs/foo-1", true},
		{"!!<dev-libs/foo-2", "dev-libs/foo-2", false},
		{"=dev-libs/glib-2.80.5-r1", "dev-libs/glib-2.80.5-r1-4:2::gentoo", true},
	}
	for _, tt := range tests {
		a, p := atomT(t, tt.atom), packageT(t, tt.pkg)
		if got := a.Matches(p); got != tt.want {
			t.Errorf("%s matches %s = %v, want %v", tt.atom, tt.pkg, got, tt.want)
		}
	}
}

// TestMatchesUnversionedPackage: a package without a version satisfies
// only atoms that ask for none.
func TestMatchesUnversionedPackage(t *testing.T) {
	p := atomT(t, "dev-libs/foo")
	if !atomT(t, "dev-libs/foo:2").Matches(p) {
		t.Error("dev-libs/foo:2 does not match dev-libs/foo")
	}
	if atomT(t, ">=dev-libs/foo-1").Matches(p) {
		t.Error(">=dev-libs/foo-1 matches dev-libs/foo")
	}
}

// TestMatchesAgreesWithCompare: on every pair of real md5-cache versions of
// one package, each plain operator agrees with CompareVersions, and =v*
// matches v itself.
func TestMatchesAgreesWithCompare(t *testing.T) {
	byCP := map[string][]Atom{}
	for _, r := range md5cacheRows(t) {
		p := packageT(t, r.cpv)
		byCP[p.CP()] = append(byCP[p.CP()], p)
	}
	n := 0
	for _, pkgs := range byCP {
		for _, x := range pkgs {
			for _, y := range pkgs {
				n++
				c := CompareVersions(*y.Version, *x.Version)
				for op, want := range map[string]bool{"<": c < 0, "<=": c <= 0, "=": c == 0, ">=": c >= 0, ">": c > 0} {
					a := x
					a.Op = op
					if a.Matches(y) != want {
						t.Fatalf("%s%s matches %s = %v, want %v", op, x.CPV(), y.CPV(), !want, want)
					}
				}
			}
			glob := x
			glob.Op = "=*"
			if !glob.Matches(x) {
				t.Fatalf("=%s* does not match %s", x.CPV(), x.CPV())
			}
		}
	}
	t.Logf("%d version pairs checked", n)
}

func TestBestMatch(t *testing.T) {
	var cands []Atom
	for _, s := range []string{
		"dev-lang/python-3.9.20:3.9", "dev-lang/python-3.12.7-r1:3.12", "dev-lang/python-3.12.7:3.12",
		"dev-lang/python-3.13.0_rc3:3.13", "dev-lang/python-2.7.18_p16-r1:2.7", "dev-lang/ruby-3.3.5:3.3",
		"dev-lang/python-3.10.15:3.10", "dev-lang/python-3.1.5:3.1", "dev-lang/python-3.12.7-r01:3.12",
	} {
		cands = append(cands, packageT(t, s))
	}
	tests := []struct{ atom, want string }{
		{"dev-lang/python", "dev-lang/python-3.13.0_rc3:3.13"},
		{"dev-lang/python:3.12", "dev-lang/python-3.12.7-r1:3.12"}, // -r1 before the equal -r01: first wins
		{"<dev-lang/python-3.10", "dev-lang/python-3.9.20:3.9"},
		{"=dev-lang/python-3.1*", "dev-lang/python-3.1.5:3.1"},
		{"~dev-lang/python-2.7.18_p16", "dev-lang/python-2.7.18_p16-r1:2.7"},
		{">=dev-lang/python-3.14", ""},
		{"dev-lang/perl", ""},
	}
	for _, tt := range tests {
		got, ok := BestMatch(atomT(t, tt.atom), cands)
		switch {
		case tt.want == "" && ok:
			t.Errorf("BestMatch(%s) = %s, want none", tt.atom, got.Key())
		case tt.want != "" && (!ok || got.Key() != tt.want):
			t.Errorf("BestMatch(%s) = %s, %v; want %s", tt.atom, got.Key(), ok, tt.want)
		}
	}
}

// FuzzMatches checks Matches never panics and that its operators agree with
// each other: a package equal to the atom's version also satisfies ~, =*,
// <= and >=, and exactly one of <, =, > holds.
func FuzzMatches(f *testing.F) {
	f.Add("=dev-lang/python-3.1*", "dev-lang/python-3.10")
	f.Add("~dev-libs/foo-1.2-r3", "dev-libs/foo-1.2-r1:2::gentoo")
	f.Add("dev-qt/qtcore:5/5.15", "dev-qt/qtcore-5.15.2-4:5")
	f.Fuzz(func(t *testing.T, atom, pkg string) {
		a, err := ParseAtom(atom)
		if err != nil {
			return
		}
		p, err := ParsePackage(pkg)
		if err != nil {
			return
		}
		a.Matches(p)
		if a.Version == nil {
			return
		}
		with := func(op string) bool { b := a; b.Op = op; return b.Matches(p) }
		n := 0
		for _, op := range []string{"<", "=", ">"} {
			if with(op) {
				n++
			}
		}
		if n > 1 || (n == 0 && with("")) {
			t.Fatalf("%s vs %s: %d of <, =, > hold", atom, pkg, n)
		}
		if with("=") && !(with("~") && with("=*") && with("<=") && with(">=")) {
			t.Fatalf("%s vs %s: = holds but not all of ~, =*, <=, >=", atom, pkg)
		}
	})
}
