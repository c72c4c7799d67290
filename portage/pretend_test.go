package portage

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// parsePretendFile parses one sample of testdata/emerge-pretend.
func parsePretendFile(t *testing.T, name string) (*Pretend, error) {
	t.Helper()
	f, err := os.Open(dataFile(t, filepath.Join("emerge-pretend", name)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ParsePretend(f)
}

func kindCounts(p *Pretend) map[PretendKind]int {
	n := map[PretendKind]int{}
	for _, e := range p.Entries {
		n[e.Kind]++
	}
	return n
}

// TestParsePretendSamples reads every real sample, counts its entries by
// kind and checks the Total: line against them.
func TestParsePretendSamples(t *testing.T) {
	tests := []struct {
		file   string
		counts map[PretendKind]int
		flags  map[string]int // entries per Flags value
		total  *PretendTotal
	}{
		{"emlop-emerge-p.bin.out.txt",
			map[PretendKind]int{PretendBinary: 1, PretendEbuild: 1},
			map[string]int{"U": 2},
			&PretendTotal{Line: 11, Packages: 2, Upgrades: 2, Binaries: 1, DownloadSize: "0 KiB"}},
		{"emlop-emerge-p.blocker.out.txt",
			map[PretendKind]int{PretendEbuild: 2, PretendUninstall: 1, PretendBlocks: 1},
			map[string]int{"U": 1, "": 1, "b": 1, "r U": 1}, nil},
		{"emlop-emerge-p.kde.out.txt",
			map[PretendKind]int{PretendEbuild: 235},
			map[string]int{"R ~": 232, "R": 3}, nil},
		{"emlop-emerge-p.qt.out.txt",
			map[PretendKind]int{PretendEbuild: 34},
			map[string]int{"R": 33, "NS": 1}, nil},
		{"emlop-emerge-pv.basic.out.txt",
			map[PretendKind]int{PretendEbuild: 5},
			map[string]int{"R": 4, "R ~": 1},
			&PretendTotal{Line: 11, Packages: 5, Reinstalls: 5, DownloadSize: "0 KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := parsePretendFile(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := kindCounts(p); !reflect.DeepEqual(got, tt.counts) {
				t.Errorf("kinds %v, want %v", got, tt.counts)
			}
			flags := map[string]int{}
			for _, e := range p.Entries {
				flags[e.Flags]++
			}
			if !reflect.DeepEqual(flags, tt.flags) {
				t.Errorf("flags %v, want %v", flags, tt.flags)
			}
			if !reflect.DeepEqual(p.Total, tt.total) {
				t.Errorf("total %+v, want %+v", p.Total, tt.total)
			}
			if p.Total != nil && p.Total.Packages != len(p.Builds())+len(p.Binaries()) {
				t.Errorf("Total: says %d packages, the list has %d ebuild and %d binary lines",
					p.Total.Packages, len(p.Builds()), len(p.Binaries()))
			}
			if len(p.Warnings) != 0 {
				t.Errorf("warnings %v", p.Warnings)
			}
			checkLinesIncrease(t, p)
		})
	}
}

func checkLinesIncrease(t *testing.T, p *Pretend) {
	t.Helper()
	for i := 1; i < len(p.Entries); i++ {
		if p.Entries[i].Line <= p.Entries[i-1].Line {
			t.Errorf("entry %d at line %d after line %d", i, p.Entries[i].Line, p.Entries[i-1].Line)
		}
	}
}

// TestParsePretendSampleEntries checks chosen entries field by field.
func TestParsePretendSampleEntries(t *testing.T) {
	glibUSE := strings.Fields("dbus elf introspection%* (mime) xattr -debug -doc% (-selinux) -static-libs -sysprof -systemtap -test -utils (-gtk-doc%)")
	abi := []string{"(64)", "-32", "(-x32)"}
	tests := []struct {
		file  string
		index int
		want  PretendEntry
	}{
		{"emlop-emerge-p.bin.out.txt", 0, PretendEntry{
			Line: 8, Kind: PretendBinary, Flags: "U",
			Package:  packageT(t, "dev-libs/glib-2.80.5-r1-4:2::gentoo"),
			Replaces: "2.78.6:2::gentoo",
			Vars:     map[string][]string{"USE": glibUSE, "ABI_X86": abi},
			Size:     "0 KiB",
		}},
		{"emlop-emerge-p.bin.out.txt", 1, PretendEntry{
			Line: 9, Kind: PretendEbuild, Flags: "U",
			Package:  packageT(t, "dev-libs/glib-2.80.5-r1-4:2::gentoo"),
			Replaces: "2.78.6:2::gentoo",
			Vars:     map[string][]string{"USE": glibUSE, "ABI_X86": abi},
			Size:     "0 KiB",
		}},
		{"emlop-emerge-p.blocker.out.txt", 0, PretendEntry{
			Line: 1, Kind: PretendEbuild, Flags: "U",
			Package: packageT(t, "app-admin/syslog-ng-3.13.2"), Replaces: "3.7.3",
			Vars: map[string][]string{"USE": {"-http%"}},
		}},
		{"emlop-emerge-p.blocker.out.txt", 1, PretendEntry{
			Line: 2, Kind: PretendUninstall, Package: packageT(t, "dev-libs/eventlog-0.2.12"),
		}},
		{"emlop-emerge-p.blocker.out.txt", 2, PretendEntry{
			Line: 3, Kind: PretendBlocks, Flags: "b",
			Blocker: "dev-libs/eventlog", Blocking: []string{"app-admin/syslog-ng-3.13.2"},
		}},
		{"emlop-emerge-p.blocker.out.txt", 3, PretendEntry{
			Line: 4, Kind: PretendEbuild, Flags: "r U",
			Package: packageT(t, "dev-lang/php-7.1.13"), Replaces: "7.1.11",
		}},
		{"emlop-emerge-p.kde.out.txt", 0, PretendEntry{
			Line: 4, Kind: PretendEbuild, Flags: "R ~", Package: packageT(t, "kde-apps/akonadi-17.12.3"),
		}},
		{"emlop-emerge-p.kde.out.txt", 234, PretendEntry{
			Line: 238, Kind: PretendEbuild, Flags: "R ~", Package: packageT(t, "kde-plasma/user-manager-5.12.3"),
		}},
		{"emlop-emerge-p.qt.out.txt", 3, PretendEntry{
			Line: 7, Kind: PretendEbuild, Flags: "R", Package: packageT(t, "dev-qt/qtchooser-0_p20151008"),
		}},
		{"emlop-emerge-p.qt.out.txt", 24, PretendEntry{
			Line: 28, Kind: PretendEbuild, Flags: "NS",
			Package: packageT(t, "dev-qt/qttranslations-5.9.4"), Replaces: "4.8.7",
			Vars: map[string][]string{"USE": {"-debug", "{-test}"}},
		}},
		{"emlop-emerge-pv.basic.out.txt", 0, PretendEntry{
			Line: 5, Kind: PretendEbuild, Flags: "R",
			Package: packageT(t, "sys-devel/gcc-6.4.0-r1:6.4.0::gentoo"),
			Vars: map[string][]string{"USE": strings.Fields("cxx debug go hardened (multilib) nls nptl openmp pgo " +
				"(pie) (ssp) vtv (-altivec) (-awt) -cilk -doc (-fixed-point) -fortran (-gcj) -graphite (-jit) " +
				"(-libssp) -mpx -objc -objc++ -objc-gc (-pch) -regression-test (-sanitize) -vanilla")},
			Size: "0 KiB",
		}},
		{"emlop-emerge-pv.basic.out.txt", 1, PretendEntry{
			Line: 6, Kind: PretendEbuild, Flags: "R",
			Package: packageT(t, "sys-libs/readline-7.0_p3:0/7::gentoo"),
			Vars:    map[string][]string{"USE": {"-static-libs", "-utils"}, "ABI_X86": abi},
			Size:    "0 KiB",
		}},
		{"emlop-emerge-pv.basic.out.txt", 2, PretendEntry{
			Line: 7, Kind: PretendEbuild, Flags: "R ~",
			Package: packageT(t, "app-portage/emlop-0.1.0_p20180221::moltonel"),
			Vars:    map[string][]string{"USE": {"-debug"}},
			Size:    "0 KiB",
		}},
		{"emlop-emerge-pv.basic.out.txt", 4, PretendEntry{
			Line: 9, Kind: PretendEbuild, Flags: "R",
			Package: packageT(t, "dev-db/postgresql-10.3:10::gentoo"),
			Vars: map[string][]string{
				"USE": strings.Fields("nls pam python readline server ssl threads zlib -doc -kerberos -ldap " +
					"-libressl -perl (-selinux) -static-libs -systemd -tcl -uuid -xml"),
				"PYTHON_SINGLE_TARGET": {"python3_5", "-python2_7", "-python3_4", "-python3_6"},
				"PYTHON_TARGETS":       {"python3_5", "-python2_7", "-python3_4", "-python3_6"},
			},
			Size: "0 KiB",
		}},
	}
	for _, tt := range tests {
		p, err := parsePretendFile(t, tt.file)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Entries[tt.index]; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s entry %d:\n  got  %+v\n  want %+v", tt.file, tt.index, got, tt.want)
		}
	}
}

func TestParsePretendSlotConflictSample(t *testing.T) {
	p, err := parsePretendFile(t, "gentoo-user-2014-libpng-slot-conflict.txt")
	if p != nil {
		t.Errorf("a slot conflict returned a plan: %+v", p)
	}
	var sc *SlotConflictError
	if !errors.As(err, &sc) || !errors.Is(err, ErrSlotConflict) {
		t.Fatalf("got %v, want a *SlotConflictError matching ErrSlotConflict", err)
	}
	if errors.Is(err, ErrPretend) {
		t.Errorf("%v: a slot conflict is not unreadable output", err)
	}
	want := &SlotConflictError{Line: 2, Conflicts: []SlotConflict{{
		Slot:     "media-libs/libpng:0",
		Packages: []string{"media-libs/libpng-1.5.17-r1::gentoo", "media-libs/libpng-1.6.8::gentoo"},
	}}}
	if !reflect.DeepEqual(sc, want) {
		t.Errorf("got %+v\nwant %+v", sc, want)
	}
	msg := "emerge --pretend output, line 2: slot conflict in media-libs/libpng:0 between " +
		"media-libs/libpng-1.5.17-r1::gentoo and media-libs/libpng-1.6.8::gentoo"
	if err.Error() != msg {
		t.Errorf("got  %s\nwant %s", err, msg)
	}
}

func TestPretendHelpers(t *testing.T) {
	p, err := parsePretendFile(t, "emlop-emerge-p.bin.out.txt")
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Builds(); len(b) != 1 || b[0].Line != 9 {
		t.Errorf("Builds() = %+v", b)
	}
	if b := p.Binaries(); len(b) != 1 || b[0].Line != 8 {
		t.Errorf("Binaries() = %+v", b)
	}
	e := p.Entries[0]
	if got, want := e.Enabled("USE"), []string{"dbus", "elf", "introspection", "mime", "xattr"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Enabled(USE) = %q, want %q", got, want)
	}
	if got := e.Enabled("ABI_X86"); !reflect.DeepEqual(got, []string{"64"}) {
		t.Errorf("Enabled(ABI_X86) = %q, want [64]", got)
	}
	if e.Enabled("PYTHON_TARGETS") != nil {
		t.Error("Enabled of an absent variable is not nil")
	}
	if !e.HasFlag('U') || e.HasFlag('N') {
		t.Errorf("HasFlag on %q", e.Flags)
	}
}

// pretendSeeds are the fuzz seeds: every sample file, plus the line kinds
// no sample has.
func pretendSeeds(f *testing.F) []string {
	seeds := []string{
		"[ebuild  N     ] app-misc/foo-1.0::gentoo  USE=\"a -b\" 1,234 KiB\n\nTotal: 1 package (1 new), Size of downloads: 1,234 KiB\n",
		"[blocks B      ] <sys-apps/foo-2 (\"<sys-apps/foo-2\" is hard blocking sys-apps/bar-1, sys-apps/baz-2)\nConflict: 1 block (1 unsatisfied)\n",
		"[nomerge       ]  dev-libs/foo-1 \n[ebuild     UD ] dev-libs/bar-1 [2] to /mnt/\n",
		"!!! Multiple package instances within a single package slot have been pulled\n\na/b:0\n\n  (a/b-1::x, installed) pulled in by\n",
		"\x1b[32m[ebuild  N    ]\x1b[0m a/b-1\n",
		"[ebuild  N    ] a/b-1 [\n",
		"[ebuild  N    ] a/b-1 USE=\"\n",
	}
	paths, _ := filepath.Glob(filepath.Join(dataFile(f, "emerge-pretend"), "*"))
	if len(paths) == 0 {
		f.Fatal("no emerge-pretend samples to seed from")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, string(b))
	}
	return seeds
}

// FuzzParsePretend: no input panics, every error names a line within the
// input, and every accepted entry is at a line of the input, in order.
func FuzzParsePretend(f *testing.F) {
	for _, s := range pretendSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Count(s, "\n") + 1
		p, err := ParsePretend(strings.NewReader(s))
		if err != nil {
			checkPretendError(t, err, lines)
			return
		}
		for i, e := range p.Entries {
			if e.Line < 1 || e.Line > lines || i > 0 && e.Line <= p.Entries[i-1].Line {
				t.Fatalf("entry %d at line %d of %d", i, e.Line, lines)
			}
			if e.Kind != PretendBlocks && e.Package.Version == nil {
				t.Fatalf("entry %+v has no package", e)
			}
		}
	})
}

func checkPretendError(t *testing.T, err error, lines int) {
	t.Helper()
	var pe *PretendError
	var sc *SlotConflictError
	line := 0
	switch {
	case errors.As(err, &pe):
		line = pe.Line
		if !errors.Is(err, ErrPretend) {
			t.Fatalf("%v does not match ErrPretend", err)
		}
	case errors.As(err, &sc):
		line = sc.Line
	default:
		t.Fatalf("error %v (%T) names no line", err, err)
	}
	if line < 1 || line > lines+1 || !strings.Contains(err.Error(), "line ") {
		t.Fatalf("error %q: line %d of %d", err, line, lines)
	}
}
