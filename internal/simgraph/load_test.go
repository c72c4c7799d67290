package simgraph

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/internal/world"
	"github.com/swarm-build/swarm/portage"
)

func TestRoots(t *testing.T) {
	all := world.RealisticRoots()
	if got := Roots(0); !slices.Equal(got, all) {
		t.Errorf("Roots(0): %d roots, want all %d", len(got), len(all))
	}
	if got := Roots(len(all) + 5); len(got) != len(all) {
		t.Errorf("Roots beyond the list: %d roots", len(got))
	}
	got := Roots(4)
	want := []string{all[0], all[len(all)/4], all[len(all)/2], all[3*len(all)/4]}
	if !slices.Equal(got, want) {
		t.Errorf("Roots(4) = %v, want %v (spread evenly)", got, want)
	}
}

// A real emerge.log excerpt (testdata/emerge-log, the first merge of
// emlop's tests/emerge.10000.log).
const emergeLog = `1517699371: Started emerge on: Feb 04, 2018 00:09:31
1517699495:  >>> emerge (1 of 56) sys-process/parallel-20171222 to /
1517699507:  ::: completed emerge (1 of 56) sys-process/parallel-20171222 to /
`

func TestReadDurations(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "emerge.log")
	zipped := filepath.Join(dir, "emerge.log.1") // gzipped, whatever its name
	writeFile(t, plain, []byte(emergeLog))
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(emergeLog))
	w.Close()
	writeFile(t, zipped, gz.Bytes())
	for _, path := range []string{plain, zipped} {
		d, err := ReadDurations(path)
		if err != nil {
			t.Fatal(err)
		}
		if d["sys-process/parallel"] != 12*time.Second || len(d) != 1 {
			t.Errorf("%s: %v", filepath.Base(path), d)
		}
	}
}

func TestReadDurationsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.log")
	writeFile(t, bad, []byte(emergeLog+"not a timestamp: hello\n"))
	_, err := ReadDurations(bad)
	if !errors.Is(err, portage.ErrEmergeLog) || !strings.Contains(err.Error(), bad+": emerge.log line 4:") {
		t.Errorf("bad line: %v", err)
	}
	empty := filepath.Join(dir, "empty.log")
	writeFile(t, empty, []byte(emergeLog[:strings.Index(emergeLog, "\n")+1]))
	if _, err := ReadDurations(empty); !errors.Is(err, ErrNoHistory) || !strings.Contains(err.Error(), empty) {
		t.Errorf("no builds: %v", err)
	}
	if _, err := ReadDurations(filepath.Join(dir, "nosuch")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	broken := filepath.Join(dir, "broken.gz")
	writeFile(t, broken, []byte{0x1f, 0x8b, 0})
	if _, err := ReadDurations(broken); err == nil || !strings.Contains(err.Error(), broken) {
		t.Errorf("broken gzip: %v", err)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
