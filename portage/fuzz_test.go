package portage

import (
	"reflect"
	"strings"
	"testing"
)

// The fuzz targets check that the parsers never panic, that whatever they
// accept prints back as the exact input, and that the printed form parses to
// an equal value. Regression seeds live in testdata/fuzz/.

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{
		"1", "1.0", "1.0a", "1.0_alpha", "1.2.3b_rc1_p2-r1", "0_p20151008", "1.0-r0",
		"1.000.2", "1_pre1_p2", "18446744073709551616", "1.2_foo", "1.", "-r1", "1_", "1.0-r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			return
		}
		if v.String() != s {
			t.Fatalf("ParseVersion(%q).String() = %q", s, v.String())
		}
		again, err := ParseVersion(v.String())
		if err != nil {
			t.Fatalf("ParseVersion(%q) re-parse: %v", v.String(), err)
		}
		if !reflect.DeepEqual(v, again) || CompareVersions(v, again) != 0 {
			t.Fatalf("ParseVersion(%q) re-parses to a different value: %#v vs %#v", s, v, again)
		}
	})
}

// FuzzCompareVersions checks CompareVersions against the portage vercmp
// oracle (compare_test.go) and for antisymmetry on any two valid versions.
func FuzzCompareVersions(f *testing.F) {
	pairs := [][2]string{
		{"1.01", "1.1"}, {"1.010", "1.01"}, {"1.0_alpha", "1.0"}, {"1_pre1_p2", "1_pre2"},
		{"1.0-r0", "1.0"}, {"12.2.5", "12.2b"}, {"1_p1_alpha", "1_p0"}, {"0.0.1", "0.01"},
	}
	for _, p := range pairs {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, erra := ParseVersion(a)
		vb, errb := ParseVersion(b)
		if erra != nil || errb != nil {
			return
		}
		ab, ba := CompareVersions(va, vb), CompareVersions(vb, va)
		if ab != -ba {
			t.Fatalf("cmp(%s, %s) = %d but cmp(%s, %s) = %d", a, b, ab, b, a, ba)
		}
		if ref := portageVercmp(a, b); ref != ab {
			t.Fatalf("cmp(%s, %s) = %d, portage vercmp says %d", a, b, ab, ref)
		}
	})
}

func FuzzParseAtom(f *testing.F) {
	for _, s := range []string{
		"virtual/libffi", ">=dev-libs/nspr-4.13.1", "sys-libs/readline:0=", ">=sys-libs/zlib-1.2.3:=",
		"!=dev-libs/openssl-1.0.2*:0", "!!<net-firewall/iptables-1.6.2-r2[nftables(-)]",
		"<=app-foo/bar-baz2-1.0_rc2-r3:1/2=::gentoo[a,-b,c?,!d?,e=,!f=,g(+)?,-h(-)]",
		"dev-libs/glib-2.80.5-r1-4:2::gentoo", "=dev-lang/perl-5.24.0-r1", "dev-python/sphinxtogithub[]",
		"sys-devel/llvm-19.1.7", "dev-libs/foo-1-2", "=cat/pkg-r1-1", "x11-libs/gtk+:2",
		"dev-libs/" + strings.Repeat("a", 224) + "-1", "dev-libs/" + strings.Repeat("a", 223) + "-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := ParseAtom(s); err == nil {
			checkRoundTrip(t, "ParseAtom", s, a, ParseAtom)
		}
		if a, err := ParsePackage(s); err == nil {
			if a.Version == nil || a.Op != "=" || a.Blocker != 0 || a.SlotOp != "" || a.USE != nil {
				t.Fatalf("ParsePackage(%q) = %#v: not one concrete package", s, a)
			}
			checkRoundTrip(t, "ParsePackage", "="+strings.TrimPrefix(s, "="), a, ParsePackage)
			if n := len(a.Category) + len(a.Name) + 1 + len(a.Version.String()); n > MaxCategoryPF {
				t.Fatalf("ParsePackage(%q) accepted %d bytes of category and PF", s, n)
			}
			if _, err := ParsePackage(a.Key()); err != nil {
				t.Fatalf("ParsePackage(%q).Key() = %q does not parse: %v", s, a.Key(), err)
			}
		}
	})
}

func checkRoundTrip(t *testing.T, name, want string, a Atom, parse func(string) (Atom, error)) {
	t.Helper()
	if a.String() != want {
		t.Fatalf("%s(%q).String() = %q", name, want, a.String())
	}
	again, err := parse(a.String())
	if err != nil {
		t.Fatalf("%s(%q) re-parse: %v", name, a.String(), err)
	}
	if !reflect.DeepEqual(a, again) {
		t.Fatalf("%s(%q) re-parses to a different value:\n  %#v\n  %#v", name, want, a, again)
	}
}
