package portage

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Real specifications from the Macaroni md5-cache (testdata/graph).
const (
	// dev-lang/spidermonkey-78.14.0 DEPEND: nested || of plain groups under a
	// USE conditional, slot operators, USE defaults and a strong blocker.
	specSpidermonkey = ">=dev-libs/icu-67.1:= >=dev-libs/nspr-4.25 sys-libs/readline:0= >=sys-libs/zlib-1.2.3 " +
		"test? ( || ( ( dev-lang/python:3.8 dev-python/six[python_targets_python3_8(-),python_single_target_python3_8(+)] ) " +
		"( dev-lang/python:3.9 dev-python/six[python_targets_python3_9(-),python_single_target_python3_9(+)] ) ) ) !!sys-devel/llvm:0"
	// sys-apps/util-linux-2.40.2 RDEPEND (abridged to its distinct shapes):
	// nested conditionals and blockers under conditionals.
	specUtilLinux = "virtual/libc:= ncurses? ( sys-libs/ncurses:= magic? ( sys-apps/file:0= ) ) " +
		"kill? ( !sys-apps/coreutils[kill] !sys-process/procps[kill] ) su? ( !<sys-apps/shadow-4.7-r2 ) !net-wireless/rfkill"
	// dev-libs/libxml2-2.11.5 BDEPEND: a one-member || group.
	specLibxml2 = "virtual/pkgconfig >=app-portage/elt-patches-20170815 || ( >=sys-devel/automake-1.16.5:1.16 ) " +
		">=sys-devel/autoconf-2.71 >=sys-devel/libtool-2.4 app-arch/xz-utils"
)

func atomNode(t *testing.T, s string) Depend {
	t.Helper()
	a := mustAtom(t, s)
	return Depend{Kind: DepAtom, Atom: &a}
}

func mustAtom(t *testing.T, s string) Atom {
	t.Helper()
	a, err := ParseAtom(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParseDependTree(t *testing.T) {
	all := func(c ...Depend) Depend { return Depend{Kind: DepAll, Children: c} }
	anyOf := func(c ...Depend) Depend { return Depend{Kind: DepAnyOf, Children: c} }
	cond := func(flag string, neg bool, c ...Depend) Depend {
		return Depend{Kind: DepUseCond, Flag: flag, Negate: neg, Children: c}
	}
	a := func(s string) Depend { return atomNode(t, s) }
	tests := []struct {
		in   string
		want Depend
	}{
		{"", all()},
		{" \t\n", all()},
		{"sys-libs/zlib", all(a("sys-libs/zlib"))},
		{"|| ( ) ( )", all(anyOf(), all())},
		{"!test? ( dev-util/dejagnu ) test? ( )", all(cond("test", true, a("dev-util/dejagnu")), cond("test", false))},
		{specUtilLinux, all(
			a("virtual/libc:="),
			cond("ncurses", false, a("sys-libs/ncurses:="), cond("magic", false, a("sys-apps/file:0="))),
			cond("kill", false, a("!sys-apps/coreutils[kill]"), a("!sys-process/procps[kill]")),
			cond("su", false, a("!<sys-apps/shadow-4.7-r2")),
			a("!net-wireless/rfkill"),
		)},
		{specSpidermonkey, all(
			a(">=dev-libs/icu-67.1:="), a(">=dev-libs/nspr-4.25"), a("sys-libs/readline:0="), a(">=sys-libs/zlib-1.2.3"),
			cond("test", false, anyOf(
				all(a("dev-lang/python:3.8"), a("dev-python/six[python_targets_python3_8(-),python_single_target_python3_8(+)]")),
				all(a("dev-lang/python:3.9"), a("dev-python/six[python_targets_python3_9(-),python_single_target_python3_9(+)]")),
			)),
			a("!!sys-devel/llvm:0"),
		)},
	}
	for _, tt := range tests {
		got, err := ParseDepend(tt.in)
		if err != nil {
			t.Errorf("ParseDepend(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseDepend(%q) =\n%#v\nwant\n%#v", tt.in, got, tt.want)
		}
		if canon := strings.Join(strings.Fields(tt.in), " "); got.String() != canon {
			t.Errorf("ParseDepend(%q).String() = %q, want %q", tt.in, got.String(), canon)
		}
	}
}

func TestParseDependErrors(t *testing.T) {
	tests := []struct {
		in, want string
		atom     bool // the cause is a bad atom
	}{
		{"|| dev-libs/a", `byte 0: "||" must be followed by "(", got "dev-libs/a"`, false},
		{"a/b ||", `byte 4: "||" must be followed by "(", got the end`, false},
		{"foo? dev-libs/a", `byte 0: "foo?" must be followed by "("`, false},
		{"dev-libs/a )", `byte 11: ")" without a matching "("`, false},
		{"x? ( || ( dev-libs/a )", `byte 0: group is never closed`, false},
		{"( dev-libs/a ( dev-libs/b", `byte 13: group is never closed`, false},
		{"-x? ( dev-libs/a )", `byte 0: USE conditional "-x?": USE flag "-x" must not begin with '-'`, false},
		{"!? ( )", `byte 0: USE conditional "!?": USE flag is empty`, false},
		{"dev-libs/a (dev-libs/b)", `byte 11: parse atom "(dev-libs/b)"`, true},
		// Real: app-editors/vim[python,] in app-text/wklej-0.2.1-r1.
		{"vim? ( app-editors/vim[python,] )", `byte 7: parse atom "app-editors/vim[python,]"`, true},
		{"sys-libs/zlib-1.2", `byte 0: parse atom "sys-libs/zlib-1.2": version without an operator`, true},
	}
	for _, tt := range tests {
		_, err := ParseDepend(tt.in)
		if err == nil {
			t.Errorf("ParseDepend(%q) succeeds", tt.in)
			continue
		}
		if !errors.Is(err, ErrDepend) || errors.Is(err, ErrBadAtom) != tt.atom {
			t.Errorf("ParseDepend(%q): %v: ErrDepend %v, ErrBadAtom %v", tt.in, err,
				errors.Is(err, ErrDepend), errors.Is(err, ErrBadAtom))
		}
		if !strings.HasPrefix(err.Error(), "parse dependencies: "+tt.want) {
			t.Errorf("ParseDepend(%q) error\n%v\nwant it to begin\nparse dependencies: %s", tt.in, err, tt.want)
		}
	}
}

func TestDependResolve(t *testing.T) {
	flags := func(on ...string) func(string) bool {
		return func(f string) bool { return slices.Contains(on, f) }
	}
	avoid := func(cps ...string) func(Atom) bool {
		return func(a Atom) bool { return !slices.Contains(cps, a.CP()) }
	}
	tests := []struct {
		name, spec string
		use        func(string) bool
		prefer     func(Atom) bool
		want       string
	}{
		{"no flags", specUtilLinux, nil, nil, "virtual/libc:= !net-wireless/rfkill"},
		{"nested flags", specUtilLinux, flags("ncurses", "magic", "su"), nil,
			"virtual/libc:= sys-libs/ncurses:= sys-apps/file:0= !<sys-apps/shadow-4.7-r2 !net-wireless/rfkill"},
		{"inner flag alone", specUtilLinux, flags("magic"), nil, "virtual/libc:= !net-wireless/rfkill"},
		{"negated", "!test? ( a/b ) test? ( c/d )", flags(), nil, "a/b"},
		{"negated, set", "!test? ( a/b ) test? ( c/d )", flags("test"), nil, "c/d"},
		{"first alternative", specSpidermonkey, flags("test"), nil,
			">=dev-libs/icu-67.1:= >=dev-libs/nspr-4.25 sys-libs/readline:0= >=sys-libs/zlib-1.2.3 " +
				"dev-lang/python:3.8 dev-python/six[python_targets_python3_8(-),python_single_target_python3_8(+)] !!sys-devel/llvm:0"},
		{"preferred alternative", "|| ( ( a/x b/y ) ( a/x c/z ) )", nil, avoid("b/y"), "a/x c/z"},
		{"nothing preferred", "|| ( a/x b/y )", nil, avoid("a/x", "b/y"), "a/x"},
		{"empty alternative dropped", "|| ( foo? ( a/x ) b/y )", nil, nil, "b/y"},
		{"all alternatives empty", "|| ( foo? ( a/x ) ) c/z", nil, nil, "c/z"},
		{"blockers not judged", "|| ( ( !a/x b/y ) c/z )", nil, avoid("a/x"), "!a/x b/y"},
		{"nested any-of", "|| ( || ( a/x b/y ) c/z )", nil, avoid("a/x"), "b/y"},
	}
	for _, tt := range tests {
		d, err := ParseDepend(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range d.Resolve(tt.use, tt.prefer) {
			got = append(got, a.String())
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("%s: Resolve(%q) = %q, want %q", tt.name, tt.spec, s, tt.want)
		}
	}
}

func TestDependAtoms(t *testing.T) {
	d, err := ParseDepend(specUtilLinux)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range d.Atoms() {
		got = append(got, a.String())
	}
	want := "virtual/libc:= sys-libs/ncurses:= sys-apps/file:0= !sys-apps/coreutils[kill] " +
		"!sys-process/procps[kill] !<sys-apps/shadow-4.7-r2 !net-wireless/rfkill"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("Atoms() = %q, want %q", s, want)
	}
}

// FuzzParseDepend checks that ParseDepend never panics, that every error
// matches ErrDepend and names a byte offset, and that what it accepts
// prints in a canonical form that parses back to the same tree.
func FuzzParseDepend(f *testing.F) {
	for _, s := range []string{
		"", specSpidermonkey, specUtilLinux, specLibxml2, "|| ( ) ( )", "!x? ( a/b ) ( ( c/d ) )",
		"|| a/b", "x? ( ", ") (", "( a/b", "!? ( )", "a/b[c,]", "|| ( foo? ( a/x ) b/y )",
	} {
		f.Add(s)
	}
	cache := newDepCache()
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDepend(s)
		// The loaders' cached parser, with its shared atoms and scratch
		// space, must agree, the first time and the next.
		for range 2 {
			cd, cerr := cache.parse(s)
			if !reflect.DeepEqual(cd, d) || fmt.Sprint(cerr) != fmt.Sprint(err) {
				t.Fatalf("cached parse of %q: %v, %v; ParseDepend: %v, %v", s, cd, cerr, d, err)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrDepend) || !strings.HasPrefix(err.Error(), "parse dependencies: byte ") {
				t.Fatalf("ParseDepend(%q): error %q does not match ErrDepend or name a byte offset", s, err)
			}
			return
		}
		again, err := ParseDepend(d.String())
		if err != nil {
			t.Fatalf("ParseDepend(%q).String() = %q does not parse: %v", s, d.String(), err)
		}
		if !reflect.DeepEqual(d, again) {
			t.Fatalf("ParseDepend(%q) re-parses to a different tree:\n%#v\n%#v", s, d, again)
		}
		if canon := strings.Join(strings.Fields(s), " "); d.String() != canon {
			t.Fatalf("ParseDepend(%q).String() = %q, want %q", s, d.String(), canon)
		}
		d.Resolve(func(f string) bool { return len(f)%2 == 0 }, func(a Atom) bool { return len(a.Name)%2 == 0 })
	})
}
