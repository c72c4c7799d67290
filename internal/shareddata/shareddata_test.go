package shareddata

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDirIsTheRepositorysTestdata: without $SWARM_SHARED_DATA the data is
// the repository's own testdata/, so a fresh clone has it.
func TestDirIsTheRepositorysTestdata(t *testing.T) {
	t.Setenv("SWARM_SHARED_DATA", "")
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(filepath.Dir(wd)), "testdata"); dir != want {
		t.Fatalf("Dir() = %s, want %s", dir, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
		t.Fatalf("the data folder has no SOURCES.md: %v", err)
	}
}

// TestPathNamesWhatIsMissing: a missing file is an error naming it, and
// the override replaces the folder.
func TestPathNamesWhatIsMissing(t *testing.T) {
	t.Setenv("SWARM_SHARED_DATA", t.TempDir())
	_, err := Path("graph/nothing.tsv.gz")
	if err == nil || !strings.Contains(err.Error(), "graph/nothing.tsv.gz") {
		t.Fatalf("Path of a missing file: %v", err)
	}
	if _, err := Path("emerge-log/emlop-emerge.10000.log.gz"); err == nil {
		t.Fatal("$SWARM_SHARED_DATA did not replace the folder")
	}
}

// TestSourcesNameEveryFile: every data file has its entry (and so its
// source and license) in SOURCES.md.
func TestSourcesNameEveryFile(t *testing.T) {
	t.Setenv("SWARM_SHARED_DATA", "")
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "SOURCES.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "SOURCES.md" || strings.HasPrefix(rel, "LICENSES"+string(filepath.Separator)) {
			return nil
		}
		n++
		if !strings.Contains(string(src), d.Name()) {
			t.Errorf("SOURCES.md does not name %s", rel)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walking %s: %v (%d files)", dir, err, n)
	}
}
