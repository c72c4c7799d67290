package portage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bannerSamples are portage's failure outputs as emerge prints them
// (lib/_emerge/depgraph.py), one per banner kind.
var bannerSamples = []struct{ name, text string }{
	{"slot conflict", "!!! Multiple package instances within a single package slot have been pulled\n" +
		"!!! into the dependency graph, resulting in a slot conflict:\n\nmedia-libs/libpng:0\n"},
	{"masked packages", "!!! All ebuilds that could satisfy \">=dev-lang/rust-1.84\" have been masked.\n" +
		"!!! One of the following masked packages is required to complete your request:\n" +
		"- dev-lang/rust-1.84.0::gentoo (masked by: ~amd64 keyword)\n"},
	{"masked packages", "The following keyword changes are necessary to proceed:\n" +
		" (see \"package.accept_keywords\" in the portage(5) man page for more details)\n" +
		"# required by @selected\n=dev-lang/rust-1.84.0 ~amd64\n"},
	{"no ebuilds", "\nemerge: there are no ebuilds to satisfy \"dev-libs/nosuch\".\n"},
	{"no ebuilds", "\nemerge: there are no ebuilds built with USE flags to satisfy \"dev-libs/foo[bar]\".\n" +
		"!!! One of the following packages is required to complete your request:\n"},
	{"unmet REQUIRED_USE", "!!! The ebuild selected to satisfy \"media-video/ffmpeg\" has unmet requirements.\n" +
		"- media-video/ffmpeg-6.1.1::gentoo USE=\"-openssl gnutls\"\n\n" +
		"  The following REQUIRED_USE flag constraints are unsatisfied:\n    ?? ( openssl gnutls )\n"},
	{"blockers", "[blocks B      ] <sys-apps/sysvinit-2.86-r6 (\"<sys-apps/sysvinit-2.86-r6\" is blocking sys-apps/openrc-0.12)\n\n" +
		" * Error: The above package list contains packages which cannot be\n" +
		" * installed at the same time on the same system.\n"},
	{"blockers", "For more information about Blocked Packages, please refer to the following\n" +
		"section of the Gentoo Linux x86 Handbook (architecture is irrelevant):\n"},
	{"circular dependencies", "\n!!! Error: circular dependencies:\n\n(dev-libs/a-1:0/0::gentoo, ebuild scheduled for merge) depends on\n"},
	{"unresolved dependencies", "!!! Problem resolving dependencies for sys-apps/portage\n"},
	{"ambiguous package name", "!!! The short ebuild name \"foo\" is ambiguous. Please specify\n" +
		"!!! one of the following fully-qualified ebuild names instead:\n\n    dev-libs/foo\n    app-misc/foo\n"},
}

// TestFindBanner: each banner is found and named as printed, reflowed (one
// long line), wrapped at odd columns (even mid-word), in colour, and cut
// short, after a merge list.
func TestFindBanner(t *testing.T) {
	plan := "These are the packages that would be merged, in order:\n\n[ebuild  N     ] dev-libs/foo-1\n\n"
	for _, tc := range bannerSamples {
		forms := map[string]string{
			"as printed": tc.text,
			"reflowed":   strings.Join(strings.Fields(tc.text), " "),
			"wrapped 17": wrap(tc.text, 17),
			"wrapped 61": wrap(tc.text, 61),
			"coloured":   "\x1b[31;01m" + strings.ReplaceAll(tc.text, " ", " \x1b[0m") + "\x1b[0m",
			"after plan": plan + tc.text,
		}
		for form, text := range forms {
			b, _, ok := FindBanner(text)
			if !ok || b.Name != tc.name {
				t.Errorf("%s, %s: FindBanner = %v, %v; want %q", tc.name, form, b, ok, tc.name)
			}
			_, err := ParsePretend(strings.NewReader(text))
			failed := errors.Is(err, ErrEmergeFailed) || errors.Is(err, ErrSlotConflict) // with its slots
			if !failed || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("%s, %s: ParsePretend error %v; want ErrEmergeFailed naming %q", tc.name, form, err, tc.name)
			}
		}
	}
}

// TestFindBannerCut: output cut short in the middle of a banner still
// names it, once enough of it is there.
func TestFindBannerCut(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"[ebuild  N     ] dev-libs/foo-1\n!!! Multiple package instances within a sing", "slot conflict"},
		{"!!! All ebuilds that could sati", "masked packages"},
		{"  The following REQUIRED_USE flag cons", "unmet REQUIRED_USE"},
		{" * Error: The above package list contains pack", "blockers"},
		{"emerge: there are no ebuilds to sat", "no ebuilds"},
		{"!!! Multiple package", ""}, // too little to tell
	} {
		b, _, ok := FindBanner(tc.text)
		switch {
		case tc.want == "" && ok:
			t.Errorf("%q: found %q in too little text", tc.text, b.Name)
		case tc.want != "" && (!ok || b.Name != tc.want):
			t.Errorf("%q: FindBanner = %v, %v; want %q", tc.text, b, ok, tc.want)
		}
	}
}

// TestFindBannerNotInPlans: no real plan holds a banner.
func TestFindBannerNotInPlans(t *testing.T) {
	for _, name := range []string{"emlop-emerge-p.kde.out.txt", "emlop-emerge-p.qt.out.txt",
		"emlop-emerge-p.bin.out.txt", "emlop-emerge-p.blocker.out.txt", "emlop-emerge-pv.basic.out.txt"} {
		data, err := os.ReadFile(dataFile(t, filepath.Join("emerge-pretend", name)))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if b, line, ok := FindBanner(text); ok {
			t.Errorf("%s: found %q at line %d in a good plan", name, b.Name, line)
		}
	}
}

// TestNothingToDo: only output that says so is an empty plan; no output at
// all is an error.
func TestNothingToDo(t *testing.T) {
	for _, tc := range []struct {
		in      string
		nothing bool
		err     string
	}{
		{"\nThese are the packages that would be merged, in order:\n\nCalculating dependencies... done!\n\nTotal: 0 packages, Size of downloads: 0 KiB\n", true, ""},
		{"Calculating dependencies... done!\n\nNothing to merge; quitting.\n", true, ""},
		{"No outdated packages were found on your system.\n", true, ""},
		{"[ebuild  N     ] dev-libs/foo-1\n", false, ""},
		{"", false, "no output at all"},
		{" \n\n\t\n", false, "no output at all"},
		{"\x1b[0m\n", false, "no output at all"},
	} {
		p, err := ParsePretend(strings.NewReader(tc.in))
		switch {
		case tc.err != "":
			if err == nil || !errors.Is(err, ErrPretend) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an ErrPretend with %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case p.NothingToDo != tc.nothing:
			t.Errorf("%q: NothingToDo = %v, want %v", tc.in, p.NothingToDo, tc.nothing)
		}
	}
}

// wrap breaks every line of s at width bytes, mid-word if it falls there,
// as a terminal or a mail client does.
func wrap(s string, width int) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		for len(line) > width {
			b.WriteString(line[:width] + "\n")
			line = line[width:]
		}
		b.WriteString(line)
	}
	return b.String()
}

// FuzzFindBanner: FindBanner never panics, and a banner wrapped at any
// width inside any text is found.
func FuzzFindBanner(f *testing.F) {
	for _, tc := range bannerSamples {
		f.Add(tc.text, 0, uint8(17))
	}
	f.Add("[ebuild  N     ] dev-libs/foo-1\n", 3, uint8(5))
	f.Fuzz(func(t *testing.T, text string, which int, width uint8) {
		FindBanner(text)
		if which < 0 || which >= len(bannerSamples) || width == 0 {
			return
		}
		want := bannerSamples[which]
		in := wrap(text+"\n"+want.text, int(width))
		b, line, ok := FindBanner(in)
		if !ok || line < 1 || line > strings.Count(in, "\n")+1 {
			t.Fatalf("FindBanner(%q) = %v, %d, %v; want a banner", in, b, line, ok)
		}
	})
}
