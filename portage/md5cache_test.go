package portage

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// entryXzUtils is the real md5-cache entry of app-arch/xz-utils-5.4.7 in
// macaroni-os/core-kit (testdata/graph), abridged.
const entryXzUtils = `BDEPEND=nls? ( sys-devel/gettext ) >=app-portage/elt-patches-20170815
DEFINED_PHASES=configure install prepare
DESCRIPTION=Utils for managing LZMA compressed files
EAPI=7
IUSE=+extra-filters nls static-libs abi_x86_32 abi_x86_64
KEYWORDS=*
SLOT=0
_md5_=f3c6d0fd4ae0c9fbec3bbbe2f6a2d3bf
`

func TestParseMetadata(t *testing.T) {
	tests := []struct {
		in   string
		want Metadata
	}{
		{"", Metadata{}},
		{"SLOT=0", Metadata{"SLOT": "0"}},
		{"A=x=y\n\nB=\n  \n_md5_=1 2 ", Metadata{"A": "x=y", "B": "", "_md5_": "1 2 "}},
		{entryXzUtils, Metadata{
			"BDEPEND":        "nls? ( sys-devel/gettext ) >=app-portage/elt-patches-20170815",
			"DEFINED_PHASES": "configure install prepare",
			"DESCRIPTION":    "Utils for managing LZMA compressed files",
			"EAPI":           "7",
			"IUSE":           "+extra-filters nls static-libs abi_x86_32 abi_x86_64",
			"KEYWORDS":       "*",
			"SLOT":           "0",
			"_md5_":          "f3c6d0fd4ae0c9fbec3bbbe2f6a2d3bf",
		}},
	}
	for _, tt := range tests {
		got, err := ParseMetadata(strings.NewReader(tt.in))
		if err != nil {
			t.Errorf("ParseMetadata(%q): %v", tt.in, err)
		} else if !maps.Equal(got, tt.want) {
			t.Errorf("ParseMetadata(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseMetadataErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SLOT=0\nno equals sign", `md5-cache line 2: "no equals sign" is not KEY=value`},
		{"=x", `md5-cache line 1: empty key before "="`},
		{"SLOT=0\nEAPI=7\nSLOT=1", "md5-cache line 3: key SLOT given twice"},
		{"MY KEY=1", `md5-cache line 1: key "MY KEY" has ' ' (want A-Za-z0-9_)`},
	}
	for _, tt := range tests {
		_, err := ParseMetadata(strings.NewReader(tt.in))
		if !errors.Is(err, ErrMetadata) || err.Error() != tt.want {
			t.Errorf("ParseMetadata(%q) = %v, want %s", tt.in, err, tt.want)
		}
	}
}

func TestMetadataEbuild(t *testing.T) {
	m, err := ParseMetadata(strings.NewReader(entryXzUtils))
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.Ebuild("app-arch/xz-utils-5.4.7", "core-kit")
	if err != nil {
		t.Fatal(err)
	}
	if e.Package.Key() != "app-arch/xz-utils-5.4.7:0::core-kit" || e.Package.Op != "=" || e.EAPI != "7" {
		t.Errorf("package %s (op %q), EAPI %s", e.Package.Key(), e.Package.Op, e.EAPI)
	}
	if !reflect.DeepEqual(e.Keywords, []string{"*"}) || len(e.IUSE) != 5 ||
		!reflect.DeepEqual(e.DefaultUSE(), []string{"extra-filters"}) {
		t.Errorf("keywords %q, IUSE %q, default USE %q", e.Keywords, e.IUSE, e.DefaultUSE())
	}
	if got := e.BDepend.String(); got != m["BDEPEND"] || e.Depend.String() != "" || e.Invalid != nil {
		t.Errorf("BDEPEND %q, DEPEND %q, invalid %v", got, e.Depend.String(), e.Invalid)
	}

	m["SLOT"], m["EAPI"] = "2/2.4", ""
	if e, err := m.Ebuild("app-arch/xz-utils-5.4.7", ""); err != nil || e.Package.Key() != "app-arch/xz-utils-5.4.7:2/2.4" || e.EAPI != "0" {
		t.Errorf("slot 2/2.4: %s, EAPI %q, %v", e.Package.Key(), e.EAPI, err)
	}
}

// TestMetadataEbuildInvalid: a dependency specification that does not
// parse marks the ebuild invalid (portage masks it) instead of failing.
func TestMetadataEbuildInvalid(t *testing.T) {
	m := Metadata{"SLOT": "0", "DEPEND": "dev-libs/a", "RDEPEND": "vim? ( app-editors/vim[python,] )"}
	e, err := m.Ebuild("app-text/wklej-0.2.1-r1", "text-kit")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(e.Invalid, ErrDepend) || !strings.HasPrefix(e.Invalid.Error(), "app-text/wklej-0.2.1-r1 RDEPEND: parse dependencies: byte 7") {
		t.Errorf("Invalid = %v", e.Invalid)
	}
	if len(e.Depend.Children) != 0 {
		t.Errorf("an invalid ebuild keeps DEPEND %s", e.Depend)
	}
}

func TestMetadataEbuildErrors(t *testing.T) {
	tests := []struct {
		cpv, slot, repo, want string
	}{
		{"app-arch/xz-utils-5.4.7", "", "", "app-arch/xz-utils-5.4.7: no SLOT"},
		{"app-arch/xz-utils", "0", "", `parse atom "app-arch/xz-utils": no version (want cat/name-version, like sys-devel/llvm-19.1.7)`},
		{"=app-arch/xz-utils-5.4.7", "0", "", `"=app-arch/xz-utils-5.4.7" is not cat/name-version`},
		{"app-arch/xz-utils-5.4.7:0", "0", "", `"app-arch/xz-utils-5.4.7:0" is not cat/name-version`},
		{"app-arch/xz-utils-5.4.7", "0/", "", `app-arch/xz-utils-5.4.7: sub-slot is empty`},
		{"app-arch/xz-utils-5.4.7", "0 1", "", `app-arch/xz-utils-5.4.7: slot "0 1" has a space`},
		{"app-arch/xz-utils-5.4.7", "0", "core kit", `app-arch/xz-utils-5.4.7: repository name "core kit" has a space`},
	}
	for _, tt := range tests {
		_, err := Metadata{"SLOT": tt.slot}.Ebuild(tt.cpv, tt.repo)
		if !errors.Is(err, ErrMetadata) || err.Error() != tt.want {
			t.Errorf("Ebuild(%q, slot %q, repo %q) = %v, want %s", tt.cpv, tt.slot, tt.repo, err, tt.want)
		}
	}
}

// TestLoadMD5Cache reads a small md5-cache repository folder: the repo
// name comes from profiles/repo_name, dot files are skipped, and a bad
// entry is named by its path.
func TestLoadMD5Cache(t *testing.T) {
	root := t.TempDir()
	cache := filepath.Join(root, "metadata", "md5-cache")
	write(t, filepath.Join(root, "profiles", "repo_name"), "core-kit\n")
	write(t, filepath.Join(cache, "app-arch", "xz-utils-5.4.7"), entryXzUtils)
	write(t, filepath.Join(cache, "app-arch", ".xz-utils-5.4.7.lock"), "")
	write(t, filepath.Join(cache, "sys-libs", "zlib-1.3.1"), "SLOT=0/1\nRDEPEND=!x? ( a/b )\n")
	got, err := LoadMD5Cache(cache)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range got {
		keys = append(keys, e.Package.Key())
	}
	if want := "app-arch/xz-utils-5.4.7:0::core-kit sys-libs/zlib-1.3.1:0/1::core-kit"; strings.Join(keys, " ") != want {
		t.Errorf("loaded %q, want %q", keys, want)
	}

	write(t, filepath.Join(cache, "sys-libs", "zlib-1.3.1"), "SLOT=0\nRDEPEND\n")
	_, err = LoadMD5Cache(cache)
	want := filepath.Join(cache, "sys-libs", "zlib-1.3.1") + `: md5-cache line 2: "RDEPEND" is not KEY=value`
	if !errors.Is(err, ErrMetadata) || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("LoadMD5Cache with a bad entry: %v, want it to end %s", err, want)
	}
	if _, err := LoadMD5Cache(filepath.Join(root, "nowhere")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadMD5Cache of a missing folder: %v", err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const tsvHeaderRow = "#REPO\tCPV\tEAPI\tSLOT\tKEYWORDS\tIUSE\tDEPEND\tRDEPEND\tBDEPEND\tPDEPEND\tIDEPEND\t" +
	"REQUIRED_USE\tRESTRICT\tPROPERTIES\tINHERIT\tDEFINED_PHASES"

func TestReadMD5CacheTSV(t *testing.T) {
	// Two real rows (core-kit), abridged.
	in := tsvHeaderRow + "\n" +
		"core-kit\tapp-arch/xz-utils-5.4.7\t7\t0\t*\t+extra-filters nls\t\t\tnls? ( sys-devel/gettext )\t\t\t\t\t\tlibtool\tconfigure\n" +
		"core-kit\tsys-libs/zlib-1.3.1\t7\t0/1\t*\tminizip static-libs\t\t\t\t\t\t\t\t\t\tconfigure\n"
	got, err := ReadMD5CacheTSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Package.Key() != "app-arch/xz-utils-5.4.7:0::core-kit" ||
		got[1].Package.Key() != "sys-libs/zlib-1.3.1:0/1::core-kit" || got[0].BDepend.String() != "nls? ( sys-devel/gettext )" {
		t.Errorf("read %+v", got)
	}
	// Columns are found by name.
	got, err = ReadMD5CacheTSV(strings.NewReader("#SLOT\tCPV\tREPO\n0\tsys-libs/zlib-1.3.1\tcore-kit\n"))
	if err != nil || len(got) != 1 || got[0].Package.Key() != "sys-libs/zlib-1.3.1:0::core-kit" {
		t.Errorf("reordered columns: %v, %v", got, err)
	}
}

func TestReadMD5CacheTSVErrors(t *testing.T) {
	row := "core-kit\tsys-libs/zlib-1.3.1\t7\t0/1\t*\t\t\t\t\t\t\t\t\t\t\t\n"
	tests := []struct{ in, want string }{
		{"", "md5-cache TSV row 1: empty input, want a # header row"},
		{row, `md5-cache TSV row 1: want a header row beginning with "#", got "core-kit\tsys-libs/zlib-1.3.1\t7\t0/1\t*\t\t\t\t\t\t\t\t\t\t\t"`},
		{"#REPO\tCPV\n", "md5-cache TSV row 1: no SLOT column"},
		{"#REPO\tCPV\tSLOT\tCPV\n", "md5-cache TSV row 1: column CPV given twice"},
		{tsvHeaderRow + "\n" + row + "core-kit\tsys-libs/zlib-1.3.1\t7\n", "md5-cache TSV row 3: 3 columns, the header has 16"},
		{tsvHeaderRow + "\n" + row + strings.Replace(row, "0/1", "", 1), "md5-cache TSV row 3: sys-libs/zlib-1.3.1: no SLOT"},
	}
	for _, tt := range tests {
		_, err := ReadMD5CacheTSV(strings.NewReader(tt.in))
		if !errors.Is(err, ErrMetadata) || err.Error() != tt.want {
			t.Errorf("ReadMD5CacheTSV(%q) = %v, want %s", tt.in, err, tt.want)
		}
	}
}

// FuzzParseMetadata checks that ParseMetadata never panics, that its
// errors match ErrMetadata and name the line, and that what it accepts
// written back out reads the same; and that Ebuild never panics on it.
func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{"", entryXzUtils, "SLOT=0\nDEPEND=|| (", "=x", "A=1\nA=2", "SLOT=0/\n", "RDEPEND=a? ( b/c )\nSLOT=1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMetadata(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrMetadata) || !strings.HasPrefix(err.Error(), "md5-cache line ") {
				t.Fatalf("ParseMetadata(%q): %v", s, err)
			}
			return
		}
		var b strings.Builder
		for k, v := range m {
			b.WriteString(k + "=" + v + "\n")
		}
		again, err := ParseMetadata(strings.NewReader(b.String()))
		if err != nil || !maps.Equal(m, again) {
			t.Fatalf("ParseMetadata(%q) = %v, written back and re-read: %v, %v", s, m, again, err)
		}
		e, err := m.Ebuild("app-arch/xz-utils-5.4.7", "core-kit")
		if err != nil && !errors.Is(err, ErrMetadata) {
			t.Fatalf("Ebuild: %v does not match ErrMetadata", err)
		}
		if e.Invalid != nil && !errors.Is(e.Invalid, ErrDepend) {
			t.Fatalf("Ebuild: Invalid %v does not match ErrDepend", e.Invalid)
		}
	})
}

// FuzzReadMD5CacheTSV checks that ReadMD5CacheTSV never panics and that
// its errors match ErrMetadata and name the row.
func FuzzReadMD5CacheTSV(f *testing.F) {
	row := "core-kit\tsys-libs/zlib-1.3.1\t7\t0/1\t*\tminizip\tminizip? ( a/b )\t\t\t\t\t\t\t\t\t\n"
	for _, s := range []string{"", tsvHeaderRow + "\n" + row, "#SLOT\tCPV\tREPO\n0\ta/b-1\tr\n", "#CPV\n", tsvHeaderRow + "\nx\n", "#A\tA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ebuilds, err := ReadMD5CacheTSV(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrMetadata) || !strings.HasPrefix(err.Error(), "md5-cache TSV row ") {
				t.Fatalf("ReadMD5CacheTSV(%q): %v", s, err)
			}
			return
		}
		for _, e := range ebuilds {
			if e.Package.Version == nil || e.Package.Slot == "" {
				t.Fatalf("ReadMD5CacheTSV(%q): ebuild %+v has no version or slot", s, e.Package)
			}
		}
	})
}
