package portage

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParsePackage(t *testing.T) {
	tests := []struct {
		in   string
		want Atom
		key  string
	}{
		{"sys-devel/llvm-19.1.7", Atom{Op: "=", Category: "sys-devel", Name: "llvm", Version: vp(t, "19.1.7")},
			"sys-devel/llvm-19.1.7"},
		{"=dev-lang/perl-5.24.0-r1", Atom{Op: "=", Category: "dev-lang", Name: "perl", Version: vp(t, "5.24.0-r1")},
			"dev-lang/perl-5.24.0-r1"},
		{"dev-qt/qtcore-5.9.4:5/5.9::gentoo", Atom{
			Op: "=", Category: "dev-qt", Name: "qtcore", Version: vp(t, "5.9.4"), Slot: "5", SubSlot: "5.9", Repo: "gentoo",
		}, "dev-qt/qtcore-5.9.4:5/5.9::gentoo"},
		{"dev-libs/glib-2.80.5-r1-4:2::gentoo", Atom{
			Op: "=", Category: "dev-libs", Name: "glib", Version: vp(t, "2.80.5-r1"), BuildID: 4, Slot: "2", Repo: "gentoo",
		}, "dev-libs/glib-2.80.5-r1:2::gentoo"},
		{"dev-libs/foo-1-2", Atom{Op: "=", Category: "dev-libs", Name: "foo", Version: vp(t, "1"), BuildID: 2},
			"dev-libs/foo-1"},
		{"dev-qt/qtchooser-0_p20151008", Atom{Op: "=", Category: "dev-qt", Name: "qtchooser", Version: vp(t, "0_p20151008")},
			"dev-qt/qtchooser-0_p20151008"},
		{"app-portage/emlop-0.1.0_p20180221::moltonel", Atom{
			Op: "=", Category: "app-portage", Name: "emlop", Version: vp(t, "0.1.0_p20180221"), Repo: "moltonel",
		}, "app-portage/emlop-0.1.0_p20180221::moltonel"},
	}
	for _, tt := range tests {
		got, err := ParsePackage(tt.in)
		if err != nil {
			t.Errorf("ParsePackage(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePackage(%q) =\n  %#v\nwant\n  %#v", tt.in, got, tt.want)
		}
		if got.Key() != tt.key {
			t.Errorf("ParsePackage(%q).Key() = %q, want %q", tt.in, got.Key(), tt.key)
		}
		if s := got.String(); s != "="+strings.TrimPrefix(tt.in, "=") {
			t.Errorf("ParsePackage(%q).String() = %q", tt.in, s)
		}
		if again, err := ParsePackage(got.String()); err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParsePackage(%q) does not round-trip: %v, %v", got.String(), again, err)
		}
	}
}

func TestParsePackageErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sys-devel/llvm", `parse atom "sys-devel/llvm": no version (want cat/name-version, like sys-devel/llvm-19.1.7)`},
		{"=sys-devel/llvm", `no version`},
		{"sys-devel/llvm-", `no version`},
		{"llvm-19.1.7", `no category in "llvm-19.1.7"`},
		{"Sys devel/llvm-1", `category "Sys devel" has a space`},
		{"!sys-devel/llvm-1", `a blocker is not a package`},
		{">=sys-devel/llvm-1", `a package takes no operator but "="`},
		{"~sys-devel/llvm-1", `a package takes no operator but "="`},
		{"==sys-devel/llvm-1", `a package takes no operator but "="`},
		{"sys-devel/llvm-1[foo]", `a package takes no USE dependencies`},
		{"sys-devel/llvm-1:=", `a package takes no slot operator (got "=")`},
		{"sys-devel/llvm-1:19=", `a package takes no slot operator`},
		{"sys-devel/llvm-1:*", `a package takes no slot operator`},
		{"sys-devel/llvm-1*", `unexpected "*" after "1"`},
		{"sys-devel/llvm-1.2_foo", `version "1.2_foo": unknown suffix "_foo"`},
		{"sys-devel/llvm-1-0", `package name "llvm-1" ends in a hyphen and a version`},  // build ids start at 1
		{"sys-devel/llvm-1-04", `package name "llvm-1" ends in a hyphen and a version`}, // and have no leading zero
		{"sys-devel/llvm-1-99999999999999999999", `ends in a hyphen and a version`},
		{"sys-devel/llvm-1-2-3", `ends in a hyphen and a version`},
		{"sys-devel/llvm-1::", `repository name is empty`},
	}
	for _, tt := range tests {
		_, err := ParsePackage(tt.in)
		if err == nil {
			t.Errorf("ParsePackage(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		if !errors.Is(err, ErrBadAtom) {
			t.Errorf("ParsePackage(%q): %v does not match ErrBadAtom", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParsePackage(%q):\n  %q\nwant it to contain\n  %q", tt.in, err, tt.want)
		}
	}
}

// TestParsePackageIsParseAtom: without a build id, a package is exactly
// the = atom of its version, so the queue's packages and the tree's
// dependencies speak one language.
func TestParsePackageIsParseAtom(t *testing.T) {
	for _, s := range []string{"sys-devel/llvm-19.1.7", "dev-qt/qtcore-5.9.4-r2:5/5.9::gentoo"} {
		p, err := ParsePackage(s)
		if err != nil {
			t.Fatal(err)
		}
		a, err := ParseAtom("=" + s)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p, a) {
			t.Errorf("ParsePackage(%q) = %#v, ParseAtom(=…) = %#v", s, p, a)
		}
	}
}
