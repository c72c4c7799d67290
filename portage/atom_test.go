package portage

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func vp(t testing.TB, s string) *Version {
	v := mustVersion(t, s)
	return &v
}

func TestParseAtom(t *testing.T) {
	tests := []struct {
		in   string
		want Atom
	}{
		{"virtual/libffi", Atom{Category: "virtual", Name: "libffi"}},
		{">=dev-libs/nspr-4.13.1", Atom{Op: ">=", Category: "dev-libs", Name: "nspr", Version: vp(t, "4.13.1")}},
		{"sys-libs/readline:0=", Atom{Category: "sys-libs", Name: "readline", Slot: "0", SlotOp: "="}},
		{">=sys-libs/zlib-1.2.3:=", Atom{Op: ">=", Category: "sys-libs", Name: "zlib", Version: vp(t, "1.2.3"), SlotOp: "="}},
		{"dev-lang/perl:*", Atom{Category: "dev-lang", Name: "perl", SlotOp: "*"}},
		{"media-libs/libpng:0/0=", Atom{Category: "media-libs", Name: "libpng", Slot: "0", SubSlot: "0", SlotOp: "="}},
		{"dev-qt/qtcore:5/5.15", Atom{Category: "dev-qt", Name: "qtcore", Slot: "5", SubSlot: "5.15"}},
		{"!=dev-libs/openssl-1.0.2*:0", Atom{Blocker: WeakBlock, Op: "=*", Category: "dev-libs", Name: "openssl", Version: vp(t, "1.0.2"), Slot: "0"}},
		{"!!<net-firewall/iptables-1.6.2-r2[nftables(-)]", Atom{
			Blocker: StrongBlock, Op: "<", Category: "net-firewall", Name: "iptables",
			Version: vp(t, "1.6.2-r2"), USE: []string{"nftables(-)"},
		}},
		{"~www-apps/nanoc-core-4.11.5[ruby_targets_ruby30(-)]", Atom{
			Op: "~", Category: "www-apps", Name: "nanoc-core", Version: vp(t, "4.11.5"),
			USE: []string{"ruby_targets_ruby30(-)"},
		}},
		{"<=app-foo/bar-baz2-1.0_rc2-r3:1/2=::gentoo[a,-b,c?,!d?,e=,!f=,g(+)?,-h(-)]", Atom{
			Op: "<=", Category: "app-foo", Name: "bar-baz2", Version: vp(t, "1.0_rc2-r3"),
			Slot: "1", SubSlot: "2", SlotOp: "=", Repo: "gentoo",
			USE: []string{"a", "-b", "c?", "!d?", "e=", "!f=", "g(+)?", "-h(-)"},
		}},
		{"dev-qt/qtquickcontrols2", Atom{Category: "dev-qt", Name: "qtquickcontrols2"}},
		{"sys-devel/gcc:6.4.0::gentoo", Atom{Category: "sys-devel", Name: "gcc", Slot: "6.4.0", Repo: "gentoo"}},
		{"app-misc/foo-bar-1xy", Atom{Category: "app-misc", Name: "foo-bar-1xy"}}, // 1xy is no version,
		{"dev-perl/Locale-gettext", Atom{Category: "dev-perl", Name: "Locale-gettext"}},
		{"dev-cpp/libxx+", Atom{Category: "dev-cpp", Name: "libxx+"}},
		{"x11-libs/gtk+:2", Atom{Category: "x11-libs", Name: "gtk+", Slot: "2"}},
		{"=cat/pkg-1-r1", Atom{Op: "=", Category: "cat", Name: "pkg", Version: vp(t, "1-r1")}},
		{"=cat/pkg-r1-1", Atom{Op: "=", Category: "cat", Name: "pkg-r1", Version: vp(t, "1")}},
		{"=cat/pkg-1.0*", Atom{Op: "=*", Category: "cat", Name: "pkg", Version: vp(t, "1.0")}},
		{"=cat/pkg-1.0-r1*", Atom{Op: "=*", Category: "cat", Name: "pkg", Version: vp(t, "1.0-r1")}},
	}
	for _, tt := range tests {
		got, err := ParseAtom(tt.in)
		if err != nil {
			t.Errorf("ParseAtom(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseAtom(%q) =\n  %#v\nwant\n  %#v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseAtom(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParseAtomErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `parse atom "": no category in ""`},
		{"llvm", `no category in "llvm" (want cat/name, like sys-devel/llvm)`},
		{"Sys devel/llvm", `category "Sys devel" has a space`},
		{"-sys/llvm", `category "-sys" must not begin with '-'`},
		{".sys/llvm", `must not begin with '.'`},
		{"+sys/llvm", `must not begin with '+'`},
		{"sys-dévél/llvm", `category "sys-dévél" has 'é', which is not allowed`},
		{"sys-devel/-llvm", `package name "-llvm" must not begin with '-'`},
		{"sys-devel/+llvm", `must not begin with '+'`},
		{"sys-devel/ll.vm", `package name "ll.vm" has '.'`},
		{"sys-devel/llvm/x", `package name "llvm/x" has '/'`},
		{"sys-devel/", `package name is empty`},
		{"sys-devel/llvm-19.1.7", `version without an operator (want =sys-devel/llvm-19.1.7`},
		{"dev-libs/foo-1a", `version without an operator`},
		{"dev-libs/foo-1-2", `package name "foo-1-2" ends in a hyphen and a version ("-2")`},
		{">=sys-devel/llvm", `operator ">=" needs a version (want >=sys-devel/llvm-1.0)`},
		{"=sys-devel/llvm*", `operator "=*" needs a version (want =sys-devel/llvm-1.0)`},
		{"=dev-libs/foo-1.2_foo", `version "1.2_foo": unknown suffix "_foo"`},
		{">=dev-libs/foo-1.2.", `version "1.2.": empty numeric component`},
		{">=dev-libs/foo-1.0-rc1", `revision "-rc1" is not -r followed by digits`},
		{">=dev-libs/foo-1-2", `package name "foo-1" ends in a hyphen and a version ("-1")`},
		{">=dev-libs/foo-1.0*", `a * wildcard needs the = operator, not ">="`},
		{"dev-libs/foo*", `a * wildcard needs the = operator and a version`},
		{"=dev-libs/foo-1.0**", `unexpected "*" after "1.0"`},
		{"dev-libs/foo:", `slot restriction ":": slot is empty`},
		{"dev-libs/foo:/2", `slot restriction ":/2": slot is empty`},
		{"dev-libs/foo:2/", `slot restriction ":2/": sub-slot is empty`},
		{"dev-libs/foo:.2", `slot ".2" must not begin with '.'`},
		{"dev-libs/foo:2/3/4", `slot restriction ":2/3/4": sub-slot "3/4" has '/'`},
		{"dev-libs/foo:*=", `slot "*" has '*'`},
		{"dev-libs/foo:2:3", `slot restriction ":2:3": slot "2:3" has ':'`},
		{"dev-libs/foo::", `repository name is empty`},
		{"dev-libs/foo::-x", `repository name "-x" must not begin with '-'`},
		{"dev-libs/foo::my.repo", `repository name "my.repo" has '.'`},
		{"dev-libs/foo::repo-1", `repository name "repo-1" ends in a hyphen and a version`},
		{"dev-libs/foo::gentoo:2", `repository name "gentoo:2" has ':'`},
		{"dev-libs/foo[]", `empty USE dependencies []`},
		{"dev-libs/foo[bar", `USE dependencies "[bar" do not end in "]"`},
		{"dev-libs/foo]", `"]" without "["`},
		{"dev-libs/foo[bar,]", `USE dependency "": USE flag is empty`},
		{"dev-libs/foo[bar baz]", `USE flag "bar baz" has a space`},
		{"dev-libs/foo[_bar]", `USE flag "_bar" must not begin with '_'`},
		{"dev-libs/foo[!bar]", `USE dependency "!bar": !flag needs = or ? after it`},
		{"dev-libs/foo[-bar?]", `USE dependency "-bar?": -flag takes no = or ?`},
		{"dev-libs/foo[bar(x)]", `USE dependency "bar(x)": unexpected "(x)"`},
		{"dev-libs/foo[bar?=]", `unexpected "?="`},
		{"dev-libs/foo[bar][baz]", `USE flag "bar][baz" has ']'`},
		{"!!!dev-libs/foo", `category "!dev-libs" has '!'`},
		{"=>dev-libs/foo-1", `category ">dev-libs" has '>'`},
		{" dev-libs/foo", `category " dev-libs" has a space`},
	}
	for _, tt := range tests {
		_, err := ParseAtom(tt.in)
		if err == nil {
			t.Errorf("ParseAtom(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		if !errors.Is(err, ErrBadAtom) {
			t.Errorf("ParseAtom(%q): %v does not match ErrBadAtom", tt.in, err)
		}
		if !strings.HasPrefix(err.Error(), "parse atom ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseAtom(%q):\n  %q\nwant it to contain\n  %q", tt.in, err, tt.want)
		}
	}
}

func TestAtomErrorsWrapVersionErrors(t *testing.T) {
	_, err := ParseAtom("=dev-libs/foo-1.2_foo")
	if !errors.Is(err, ErrBadAtom) || !errors.Is(err, ErrBadVersion) {
		t.Fatalf("%v: want both ErrBadAtom and ErrBadVersion", err)
	}
	want := `parse atom "=dev-libs/foo-1.2_foo": version "1.2_foo": unknown suffix "_foo" (want _alpha, _beta, _pre, _rc or _p)`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	if _, err := ParseAtom("dev-libs/foo:"); errors.Is(err, ErrBadVersion) {
		t.Errorf("%v: a slot error must not match ErrBadVersion", err)
	}
}

func TestAtomAccessors(t *testing.T) {
	tests := []struct{ in, cp, cpv, key string }{
		{"virtual/libffi", "virtual/libffi", "virtual/libffi", "virtual/libffi"},
		{"=dev-lang/perl-5.24.0-r1", "dev-lang/perl", "dev-lang/perl-5.24.0-r1", "dev-lang/perl-5.24.0-r1"},
		{"!>=dev-qt/qtcore-5.9.4:5/5.9=::gentoo[icu]", "dev-qt/qtcore", "dev-qt/qtcore-5.9.4", "dev-qt/qtcore-5.9.4:5/5.9::gentoo"},
		{"=dev-libs/openssl-1.0.2*:0", "dev-libs/openssl", "dev-libs/openssl-1.0.2", "dev-libs/openssl-1.0.2:0"},
	}
	for _, tt := range tests {
		a, err := ParseAtom(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if a.CP() != tt.cp || a.CPV() != tt.cpv || a.Key() != tt.key {
			t.Errorf("%s: CP %q CPV %q Key %q, want %q %q %q", tt.in, a.CP(), a.CPV(), a.Key(), tt.cp, tt.cpv, tt.key)
		}
	}
}
