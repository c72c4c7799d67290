package portage

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// coreKitEntry is one file of the raw core-kit md5-cache tarball.
type coreKitEntry struct {
	cpv  string // cat/pf, from the path
	data []byte
}

// coreKitEntries reads graph/macaroni-core-kit-md5-cache-raw.tar.gz.
func coreKitEntries(t *testing.T) []coreKitEntry {
	f, err := os.Open(dataFile(t, "graph/macaroni-core-kit-md5-cache-raw.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []coreKitEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		cpv, ok := strings.CutPrefix(h.Name, "metadata/md5-cache/")
		if !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, coreKitEntry{cpv: cpv, data: data})
	}
	return out
}

// TestDataMD5CacheFiles parses all 1,247 real md5-cache files of core-kit,
// one by one and as a folder, and checks each against its row of the TSV
// made from the same commit.
func TestDataMD5CacheFiles(t *testing.T) {
	entries := coreKitEntries(t)
	if len(entries) != 1247 {
		t.Fatalf("%d entries in the tarball, want 1247", len(entries))
	}
	dir := filepath.Join(t.TempDir(), "metadata", "md5-cache")
	one := map[string]Ebuild{}
	for _, en := range entries {
		m, err := ParseMetadata(strings.NewReader(string(en.data)))
		if err != nil {
			t.Fatalf("%s: %v", en.cpv, err)
		}
		e, err := m.Ebuild(en.cpv, "core-kit")
		if err != nil || e.Invalid != nil && en.cpv != "virtual/libelf-2" {
			t.Fatalf("%s: %v %v", en.cpv, err, e.Invalid)
		}
		one[en.cpv] = e
		write(t, filepath.Join(dir, en.cpv), string(en.data))
	}
	write(t, filepath.Join(dir, "..", "..", "profiles", "repo_name"), "core-kit\n")
	loaded, err := LoadMD5Cache(dir)
	if err != nil {
		t.Fatal(err)
	}
	rows := coreKitRows(t)
	for _, e := range loaded {
		cpv := e.Package.CPV()
		sameEbuild(t, "file vs folder", e, one[cpv])
		sameEbuild(t, "folder vs TSV", e, rows[cpv])
	}
	if len(loaded) != len(entries) || len(rows) != len(entries) {
		t.Errorf("%d files, %d loaded from the folder, %d TSV rows", len(entries), len(loaded), len(rows))
	}
}

// coreKitRows returns the core-kit rows of the TSV by CPV.
func coreKitRows(t *testing.T) map[string]Ebuild {
	rows := map[string]Ebuild{}
	for _, e := range realEbuilds(t) {
		if e.Package.Repo == "core-kit" {
			rows[e.Package.CPV()] = e
		}
	}
	return rows
}

// sameEbuild compares two readings of one ebuild.
func sameEbuild(t *testing.T, what string, a, b Ebuild) {
	t.Helper()
	if a.Package.Key() != b.Package.Key() || a.EAPI != b.EAPI || !slices.Equal(a.Keywords, b.Keywords) ||
		!slices.Equal(a.IUSE, b.IUSE) || (a.Invalid == nil) != (b.Invalid == nil) {
		t.Errorf("%s: %s EAPI %s %q %q %v; %s EAPI %s %q %q %v", what,
			a.Package.Key(), a.EAPI, a.Keywords, a.IUSE, a.Invalid, b.Package.Key(), b.EAPI, b.Keywords, b.IUSE, b.Invalid)
	}
	for _, p := range [][2]Depend{{a.Depend, b.Depend}, {a.BDepend, b.BDepend}, {a.RDepend, b.RDepend}, {a.PDepend, b.PDepend}, {a.IDepend, b.IDepend}} {
		if p[0].String() != p[1].String() {
			t.Errorf("%s: %s: %q vs %q", what, a.Package.CPV(), p[0], p[1])
		}
	}
}

// realEbuilds loads the Macaroni TSV through LoadEbuilds, as swarm
// simulate --graph does.
func realEbuilds(t testing.TB) []Ebuild {
	t.Helper()
	ebuilds, err := LoadEbuilds(dataFile(t, "graph/macaroni-next-md5cache.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	return ebuilds
}

// TestDataReadMD5CacheTSV reads all 20,231 ebuilds of 25 kits: each is
// valid except the seven whose specifications invalidSpecs lists.
func TestDataReadMD5CacheTSV(t *testing.T) {
	ebuilds := realEbuilds(t)
	if len(ebuilds) != 20231 {
		t.Errorf("%d ebuilds, want 20231", len(ebuilds))
	}
	var invalid int
	for _, e := range ebuilds {
		if e.Invalid == nil {
			continue
		}
		invalid++
		if !errors.Is(e.Invalid, ErrDepend) {
			t.Errorf("%s: %v", e.Package.Key(), e.Invalid)
		}
		cpv, key, _ := strings.Cut(e.Invalid.Error(), ": ")
		cpv, kind, _ := strings.Cut(cpv, " ")
		if _, ok := invalidSpecs[e.Package.Repo+" "+cpv+" "+kind]; !ok || cpv != e.Package.CPV() {
			t.Errorf("%s invalid: %v (%s)", e.Package.Key(), e.Invalid, key)
		}
	}
	if invalid != len(invalidSpecs) {
		t.Errorf("%d invalid ebuilds, want %d", invalid, len(invalidSpecs))
	}
}
