package portage

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Line forms that the real samples lack, written as portage's
// _emerge/resolver/output.py prints them.

func TestParsePretendLineForms(t *testing.T) {
	tests := []struct {
		name, in string
		want     PretendEntry
	}{
		{"new, testing keyword, size with grouping",
			`[ebuild  N    ~] app-misc/foo-1.0_rc2:2/2.1::guru  USE="a -b" 12,345 KiB`,
			PretendEntry{Kind: PretendEbuild, Flags: "N ~", Package: packageT(t, "app-misc/foo-1.0_rc2:2/2.1::guru"),
				Vars: map[string][]string{"USE": {"a", "-b"}}, Size: "12,345 KiB"}},
		{"downgrade, fetch restricted, several replaced versions",
			`[ebuild     UD ] dev-java/jdk-8 [11.0.2:11, 17.0.1:17] `,
			PretendEntry{Kind: PretendEbuild, Flags: "UD", Package: packageT(t, "dev-java/jdk-8"),
				Replaces: "11.0.2:11, 17.0.1:17"}},
		{"fetch restricted, interactive, masked",
			`[ebuild IN  F  #] games-fps/doom-1`,
			PretendEntry{Kind: PretendEbuild, Flags: "IN F #", Package: packageT(t, "games-fps/doom-1")}},
		{"tree indentation and a target root",
			`[ebuild  N     ]     dev-libs/foo-1  to /mnt/gentoo/`,
			PretendEntry{Kind: PretendEbuild, Flags: "N", Package: packageT(t, "dev-libs/foo-1"), Root: "/mnt/gentoo/"}},
		{"nomerge under --tree",
			`[nomerge       ]  sys-libs/zlib-1.3.1:0/1::gentoo `,
			PretendEntry{Kind: PretendNomerge, Package: packageT(t, "sys-libs/zlib-1.3.1:0/1::gentoo")}},
		{"unsatisfied hard blocker on several packages",
			`[blocks B      ] <sys-apps/sysvinit-2.86-r6 ("<sys-apps/sysvinit-2.86-r6" is hard blocking sys-apps/baselayout-2.0.0, sys-apps/openrc-0.1)`,
			PretendEntry{Kind: PretendBlocks, Flags: "B", Blocker: "<sys-apps/sysvinit-2.86-r6",
				Blocking: []string{"sys-apps/baselayout-2.0.0", "sys-apps/openrc-0.1"}}},
		{"blocker printed as resolved",
			`[blocks b      ] dev-libs/eventlog (is blocking app-admin/syslog-ng-3.13.2)`,
			PretendEntry{Kind: PretendBlocks, Flags: "b", Blocker: "dev-libs/eventlog",
				Blocking: []string{"app-admin/syslog-ng-3.13.2"}}},
		{"colour codes, as on a terminal",
			"[\x1b[32;01mebuild\x1b[0m  \x1b[32;01mN\x1b[0m     ] \x1b[32;01mdev-libs/foo-1\x1b[0m \x1b[34;01m[0.9]\x1b[0m",
			PretendEntry{Kind: PretendEbuild, Flags: "N", Package: packageT(t, "dev-libs/foo-1"), Replaces: "0.9"}},
		{"quiet repo display index",
			`[ebuild   R    ] dev-libs/foo-1 [1] USE="x" 0 KiB [0=>1]`,
			PretendEntry{Kind: PretendEbuild, Flags: "R", Package: packageT(t, "dev-libs/foo-1"), Replaces: "1",
				Vars: map[string][]string{"USE": {"x"}}, Size: "0 KiB"}},
		{"bad digest in place of the size",
			`[ebuild  N     ] dev-libs/foo-1  [empty/missing/bad digest]`,
			PretendEntry{Kind: PretendEbuild, Flags: "N", Package: packageT(t, "dev-libs/foo-1"),
				Size: "[empty/missing/bad digest]"}},
		{"an empty variable",
			`[binary   R    ] dev-libs/foo-1-3 L10N="" 0 KiB`,
			PretendEntry{Kind: PretendBinary, Flags: "R", Package: packageT(t, "dev-libs/foo-1-3"),
				Vars: map[string][]string{"L10N": {}}, Size: "0 KiB"}},
	}
	for _, tt := range tests {
		p, err := ParsePretend(strings.NewReader("\n" + tt.in + "\n"))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		tt.want.Line = 2
		if len(p.Entries) != 1 || !reflect.DeepEqual(p.Entries[0], tt.want) {
			t.Errorf("%s:\n  got  %+v\n  want %+v", tt.name, p.Entries, tt.want)
		}
	}
}

func TestParsePretendSkipsChatter(t *testing.T) {
	in := `
 * IMPORTANT: 2 news items need reading for repository 'gentoo'.
 * Use eselect news read to view new items.

These are the packages that would be merged, in order:

Calculating dependencies... done!
Dependency resolution took 12.34 s (backtrack: 0/20).

[ebuild  N     ] dev-libs/foo-1

!!! The following installed packages are masked:
- dev-libs/old-1::gentoo (masked by: package.mask)

Would you like to merge these packages? [Yes/No]
`
	p, err := ParsePretend(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 1 || p.Entries[0].Line != 10 {
		t.Errorf("entries %+v", p.Entries)
	}
	want := []PretendWarning{{Line: 12, Text: "!!! The following installed packages are masked:"}}
	if !reflect.DeepEqual(p.Warnings, want) {
		t.Errorf("warnings %+v, want %+v", p.Warnings, want)
	}
}

func TestParsePretendTotalForms(t *testing.T) {
	tests := []struct {
		in   string
		want PretendTotal
	}{
		{"Total: 0 packages, Size of downloads: 0 KiB",
			PretendTotal{DownloadSize: "0 KiB"}},
		{"Total: 1 package (1 new), Size of downloads: 1,234 KiB",
			PretendTotal{Packages: 1, New: 1, DownloadSize: "1,234 KiB"}},
		{"Total: 9 packages (3 upgrades, 1 downgrade, 2 new, 2 in new slots, 1 reinstall, 2 binaries, 1 uninstall, 1 interactive), Size of downloads: 9 KiB\n" +
			"Fetch Restriction: 2 packages (1 unsatisfied)\nConflict: 3 blocks (2 unsatisfied)",
			PretendTotal{Packages: 9, Upgrades: 3, Downgrades: 1, New: 2, NewSlot: 2, Reinstalls: 1, Binaries: 2,
				Uninstalls: 1, Interactive: 1, DownloadSize: "9 KiB",
				FetchRestricted: 2, FetchUnsatisfied: 1, Blocks: 3, BlocksUnsatisfied: 2}},
		{"Total: 1 package (1 in new slot), Size of downloads: 0 KiB\nConflict: 1 block (all satisfied)",
			PretendTotal{Packages: 1, NewSlot: 1, DownloadSize: "0 KiB", Blocks: 1}},
	}
	for _, tt := range tests {
		p, err := ParsePretend(strings.NewReader("[ebuild  N     ] dev-libs/foo-1\n" + tt.in))
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		tt.want.Line = 2
		if !reflect.DeepEqual(p.Total, &tt.want) {
			t.Errorf("%q:\n  got  %+v\n  want %+v", tt.in, p.Total, tt.want)
		}
	}
}

func TestParsePretendErrors(t *testing.T) {
	tests := []struct {
		in   string
		line int
		want string
	}{
		{"\n[ebuild  N     ] dev-libs/foo", 2, `parse atom "dev-libs/foo": no version`},
		{"[ebuild  N     ] dev-libs/foo-1[x]", 1, `a package takes no USE dependencies`},
		{"[ebuild  N     ]", 1, `[ebuild] line names no package`},
		{"[ebuild  N     ", 1, `has no closing "]"`},
		{"[ebuild  Q     ] a/b-1", 1, `unknown flag 'Q' in [ebuild  Q     ]`},
		{"[uninstall  U  ] a/b-1", 1, `unknown flag 'U'`},
		{"[blocks        ] a/b (is blocking c/d-1)", 1, `wants one flag, b or B`},
		{"[Results for search key : foo]", 1, `unknown entry kind "Results"`},
		{"[ebuild  N     ] a/b-1 USE=\"x", 1, `a/b-1: USE=" has no closing quote`},
		{"[ebuild  N     ] a/b-1 USE=\"x\" USE=\"y\"", 1, `USE given twice`},
		{"[ebuild  N     ] a/b-1 [1.0", 1, `has no closing "]"`},
		{"[ebuild  N     ] a/b-1 12", 1, `size "12" without a unit`},
		{"[ebuild  N     ] a/b-1 USE=\"x\" [1.0]", 1, `unexpected [1.0]`},
		{"[ebuild  N     ] a/b-1 frobnicate", 1, `unexpected "frobnicate"`},
		{"[ebuild  N     ] a/b-1 to", 1, `"to" without a root`},
		{"[blocks b      ] a/b", 1, `want (is blocking PACKAGES) after it`},
		{"[blocks b      ] a/b (frobs c/d-1)", 1, `want (is blocking PACKAGES)`},
		{"[blocks b      ] a/b-1 (is blocking c/d-1)", 1, `version without an operator`},
		{"[ebuild  N ] a/b-1\nTotal: 1 package (1 new)", 2, `has no ", Size of downloads:"`},
		{"[ebuild  N ] a/b-1\nTotal: one package, Size of downloads: 0 KiB", 2, `count "one" is not a number`},
		{"[ebuild  N ] a/b-1\nTotal: 1 parcel, Size of downloads: 0 KiB", 2, `want package or packages after the count`},
		{"[ebuild  N ] a/b-1\nTotal: 1 package (1 shiny), Size of downloads: 0 KiB", 2, `unknown count "1 shiny"`},
		{"Total: 0 packages, Size of downloads: 0 KiB\nTotal: 0 packages, Size of downloads: 0 KiB", 2,
			`a second Total: line (the first is line 1)`},
		{"Conflict: 1 block", 1, `before any Total: line`},
		{"\n\n!!! All ebuilds that could satisfy \"foo\" have been masked.\n", 3,
			`emerge could not make a plan: masked packages (it said "All ebuilds that could satisfy")`},
		{"emerge: there are no ebuilds to satisfy \"foo\".", 1, `emerge could not make a plan: no ebuilds`},
		{"\n!!! Oops\n", 2, `no packages, and emerge said "!!! Oops"`},
		{"[ebuild  N ] a/b-1 USE=\"x\"\n\nThe following USE changes are necessary to proceed:\n>=a/b-1 x", 3,
			`emerge needs configuration changes`},
	}
	for _, tt := range tests {
		_, err := ParsePretend(strings.NewReader(tt.in))
		var pe *PretendError
		switch {
		case err == nil:
			t.Errorf("%q: no error, want %q", tt.in, tt.want)
		case !errors.As(err, &pe) || !errors.Is(err, ErrPretend):
			t.Errorf("%q: %v is no *PretendError matching ErrPretend", tt.in, err)
		case pe.Line != tt.line || !strings.Contains(err.Error(), tt.want):
			t.Errorf("%q:\n  got  %v (line %d)\n  want line %d, containing %s", tt.in, err, pe.Line, tt.line, tt.want)
		case !strings.HasPrefix(err.Error(), fmt.Sprintf("emerge --pretend output, line %d: ", tt.line)):
			t.Errorf("%q: %v does not begin with its line", tt.in, err)
		}
	}
}

func TestParsePretendBadPackageIsBadAtom(t *testing.T) {
	_, err := ParsePretend(strings.NewReader("[ebuild  N     ] dev-libs/foo-1.2_foo"))
	if !errors.Is(err, ErrPretend) || !errors.Is(err, ErrBadAtom) || !errors.Is(err, ErrBadVersion) {
		t.Errorf("%v: want ErrPretend, ErrBadAtom and ErrBadVersion", err)
	}
}

// TestParsePretendSlotConflictAfterPlan: emerge prints the merge list and
// then the conflict; the list must not come back as a plan.
func TestParsePretendSlotConflictAfterPlan(t *testing.T) {
	in := `[ebuild  N     ] dev-libs/foo-2
[ebuild     U  ] dev-lang/python-3.12.7:3.12::gentoo [3.12.6:3.12::gentoo]

!!! Multiple package instances within a single package slot have been pulled
!!! into the dependency graph, resulting in a slot conflict:

dev-lang/python:3.12

  (dev-lang/python-3.12.7:3.12/3.12::gentoo, ebuild scheduled for merge) USE="ssl -tk" pulled in by
    dev-lang/python:3.12 required by (dev-libs/foo-2:0/0::gentoo, ebuild scheduled for merge)
                        ^^^^^

  (dev-lang/python-3.12.6:3.12/3.12::gentoo, installed) USE="ssl -tk" pulled in by
    (and 2 more with the same problems)

sys-libs/zlib:0

  (sys-libs/zlib-1.3.1-r1:0/1::gentoo, binary scheduled for merge) pulled in by
    sys-libs/zlib:0/1= required by (dev-libs/foo-2:0/0::gentoo, ebuild scheduled for merge)

  (sys-libs/zlib-1.3:0/1::gentoo, installed) pulled in by
    (no parents that aren't satisfied by other packages in this slot)

It may be possible to solve this problem by using package.mask to
prevent one of those packages from being selected.
`
	p, err := ParsePretend(strings.NewReader(in))
	var sc *SlotConflictError
	if p != nil || !errors.As(err, &sc) {
		t.Fatalf("got %v, %v; want a *SlotConflictError", p, err)
	}
	want := []SlotConflict{
		{"dev-lang/python:3.12", []string{"dev-lang/python-3.12.7:3.12/3.12::gentoo", "dev-lang/python-3.12.6:3.12/3.12::gentoo"}},
		{"sys-libs/zlib:0", []string{"sys-libs/zlib-1.3.1-r1:0/1::gentoo", "sys-libs/zlib-1.3:0/1::gentoo"}},
	}
	if sc.Line != 4 || !reflect.DeepEqual(sc.Conflicts, want) {
		t.Errorf("got line %d %+v\nwant line 4 %+v", sc.Line, sc.Conflicts, want)
	}
	if !strings.Contains(err.Error(), "; in sys-libs/zlib:0 between sys-libs/zlib-1.3.1-r1:0/1::gentoo and sys-libs/zlib-1.3:0/1::gentoo") {
		t.Errorf("message %q does not name the second slot", err)
	}
}

// TestParsePretendLarge: a 20,000-package plan parses in linear time; the
// benchmark below gives the number.
func TestParsePretendLarge(t *testing.T) {
	in := largePretend(20000)
	p, err := ParsePretend(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Builds()) != 20000 || p.Total == nil || p.Total.Packages != 20000 {
		t.Fatalf("%d builds, total %+v", len(p.Builds()), p.Total)
	}
}

func largePretend(n int) string {
	var b strings.Builder
	b.WriteString("\nThese are the packages that would be merged, in order:\n\n")
	for i := range n {
		fmt.Fprintf(&b, "[ebuild  N     ] dev-libs/pkg%d-1.%d.3-r1:0/1::gentoo  USE=\"a b -c (d) -e%%\" ABI_X86=\"(64) -32 (-x32)\" 1,234 KiB\n", i, i)
	}
	fmt.Fprintf(&b, "\nTotal: %d packages (%d new), Size of downloads: 1 KiB\n", n, n)
	return b.String()
}

func BenchmarkParsePretend20k(b *testing.B) {
	in := largePretend(20000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePretend(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}
