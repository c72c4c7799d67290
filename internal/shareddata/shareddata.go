// Package shareddata finds the real Gentoo data the tests use: the
// repository's own testdata/ folder at the module root (see its SOURCES.md
// for where each file comes from and its license), or $SWARM_SHARED_DATA to
// test against another copy. One place for the rule every test package
// follows: the data ships with the repository, so a test whose file is
// missing fails, naming the file, rather than skipping in silence.
package shareddata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the data folder: $SWARM_SHARED_DATA, else testdata/ at the
// module root (found by walking up to go.mod from the working folder, so it
// does not depend on how deep a test package sits). The path is absolute.
func Dir() (string, error) {
	if d := os.Getenv("SWARM_SHARED_DATA"); d != "" {
		return filepath.Abs(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata"), nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("shareddata: no go.mod above " + wd)
		}
	}
}

// Path returns the path of rel (slash-separated; "." for the folder itself)
// under the data folder, or an error that names what is missing and says
// where it should come from.
func Path(rel string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(path); err != nil {
		what := "test data " + rel
		if rel == "." {
			what = "the test data folder"
		}
		return "", fmt.Errorf("%s missing: %w (it ships in the repository's testdata/, see "+
			"testdata/SOURCES.md; $SWARM_SHARED_DATA, when set, replaces that folder)", what, err)
	}
	return path, nil
}

// File returns the path of rel under the data folder, failing the test when
// it is missing.
func File(t testing.TB, rel string) string {
	t.Helper()
	path, err := Path(rel)
	if err != nil {
		t.Fatal(err)
	}
	return path
}
