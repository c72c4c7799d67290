package portage

import (
	"bufio"
	"compress/gzip"
	"github.com/swarm-build/swarm/internal/shareddata"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Tests against the real Gentoo data in the repository's testdata/ (see
// its SOURCES.md), or $SWARM_SHARED_DATA; a missing file fails the test.

func dataFile(t testing.TB, rel string) string {
	t.Helper()
	return shareddata.File(t, rel)
}

// eachLine calls fn for every line of the file, gunzipping *.gz.
func eachLine(t testing.TB, path string, fn func(line string)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		fn(sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// eachTSVColumn calls fn with column col (0-based) of every row but the
// #-commented header.
func eachTSVColumn(t testing.TB, path string, col int, fn func(string)) {
	eachLine(t, path, func(line string) {
		if strings.HasPrefix(line, "#") {
			return
		}
		cols := strings.Split(line, "\t")
		if col >= len(cols) {
			t.Fatalf("%s: row with %d columns: %q", path, len(cols), line)
		}
		fn(cols[col])
	})
}

// emergeLineRE takes the package out of an emerge --pretend merge line:
// "[ebuild   R   ~] kde-apps/akonadi-17.12.3 " or
// "[binary     U  ] dev-libs/glib-2.80.5-r1-4:2::gentoo [2.78.6:2::gentoo] USE=…".
var emergeLineRE = regexp.MustCompile(`^\[(?:ebuild|binary)[^\]]*\]\s+(\S+)`)

func TestDataEmergePretend(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(dataFile(t, "emerge-pretend"), "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no emerge-pretend files: %v", err)
	}
	n := 0
	for _, path := range paths {
		eachLine(t, path, func(line string) {
			m := emergeLineRE.FindStringSubmatch(line)
			if m == nil {
				return
			}
			n++
			a, err := ParsePackage(m[1])
			if err != nil {
				t.Errorf("%s: %v", filepath.Base(path), err)
				return
			}
			if a.String() != "="+m[1] {
				t.Errorf("%s: ParsePackage(%q).String() = %q", filepath.Base(path), m[1], a.String())
			}
		})
	}
	t.Logf("%d emerge --pretend packages parsed", n)
	if n < 270 {
		t.Errorf("only %d [ebuild]/[binary] lines found; the extraction is broken", n)
	}
}

// TestDataSlotConflict reads the atoms of a real slot-conflict report:
// installed packages "(media-libs/libpng-1.5.17-r1::gentoo, installed)" and
// the dependencies that pulled them in, such as ">=media-libs/libpng-1.4:0/0=".
func TestDataSlotConflict(t *testing.T) {
	path := dataFile(t, "emerge-pretend/gentoo-user-2014-libpng-slot-conflict.txt")
	pkgRE := regexp.MustCompile(`\((\S+), (?:installed|ebuild scheduled for merge)\)`)
	depRE := regexp.MustCompile(`^\s+(\S+) required by`)
	var pkgs, deps int
	eachLine(t, path, func(line string) {
		for _, m := range pkgRE.FindAllStringSubmatch(line, -1) {
			pkgs++
			if _, err := ParsePackage(m[1]); err != nil {
				t.Error(err)
			}
		}
		if m := depRE.FindStringSubmatch(line); m != nil {
			deps++
			a, err := ParseAtom(m[1])
			if err != nil {
				t.Error(err)
			} else if a.CP() != "media-libs/libpng" || a.SlotOp != "=" {
				t.Errorf("%s: got %s with slot operator %q", m[1], a.CP(), a.SlotOp)
			}
		}
	})
	if pkgs != 9 || deps != 7 {
		t.Errorf("found %d packages and %d dependencies, want 9 and 7", pkgs, deps)
	}
}

// TestDataBinhostCPVs parses every CPV of a real binhost Packages index.
func TestDataBinhostCPVs(t *testing.T) {
	n := 0
	eachLine(t, dataFile(t, "binhost/257-binpkgs-Packages.txt"), func(line string) {
		cpv, ok := strings.CutPrefix(line, "CPV: ")
		if !ok {
			return
		}
		n++
		if a, err := ParsePackage(cpv); err != nil {
			t.Error(err)
		} else if a.CPV() != cpv {
			t.Errorf("ParsePackage(%q).CPV() = %q", cpv, a.CPV())
		}
	})
	if n != 161 {
		t.Errorf("found %d CPVs, want 161", n)
	}
}

// md5cacheRow is one ebuild of the Macaroni md5-cache table.
type md5cacheRow struct{ cpv, slot string }

// md5cacheRows returns columns 2 (CPV) and 4 (SLOT) of every row.
func md5cacheRows(t testing.TB) []md5cacheRow {
	var rows []md5cacheRow
	eachLine(t, dataFile(t, "graph/macaroni-next-md5cache.tsv.gz"), func(line string) {
		if strings.HasPrefix(line, "#") {
			return
		}
		cols := strings.SplitN(line, "\t", 5)
		if len(cols) < 5 {
			t.Fatalf("short md5-cache row %q", line)
		}
		rows = append(rows, md5cacheRow{cpv: cols[1], slot: cols[3]})
	})
	return rows
}

// TestDataMd5cacheCPVs parses the CPV of every ebuild of 25 real kits, alone
// and with its SLOT (slot/sub-slot) and kit as emerge would print it.
func TestDataMd5cacheCPVs(t *testing.T) {
	rows := md5cacheRows(t)
	for _, r := range rows {
		if a, err := ParsePackage(r.cpv); err != nil {
			t.Error(err)
		} else if a.CPV() != r.cpv || a.BuildID != 0 {
			t.Errorf("ParsePackage(%q): CPV %q, build id %d", r.cpv, a.CPV(), a.BuildID)
		}
		key := r.cpv + ":" + r.slot + "::gentoo"
		if a, err := ParsePackage(key); err != nil {
			t.Error(err)
		} else if a.Key() != key {
			t.Errorf("ParsePackage(%q).Key() = %q", key, a.Key())
		}
	}
	t.Logf("%d md5-cache CPVs parsed, alone and with their slot", len(rows))
	if len(rows) < 20000 {
		t.Errorf("only %d CPVs", len(rows))
	}
}
