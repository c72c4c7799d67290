// Package shareddata finds the real Gentoo data the tests use: the shared/data
// folder beside the repository (see its SOURCES.md), or $SWARM_SHARED_DATA.
// One place for the rule every test package follows: without the data a test
// skips, except under CI, where missing data is a failure rather than a
// silent pass.
package shareddata

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data folder: $SWARM_SHARED_DATA, else shared/data
// beside the module root (found by walking up to go.mod from the working
// folder, so it does not depend on how deep a test package sits).
func Dir() (string, error) {
	if d := os.Getenv("SWARM_SHARED_DATA"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "data"), nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("shareddata: no go.mod above " + wd)
		}
	}
}

// File returns the path of rel under the shared data folder, skipping the
// test when it is missing (failing it under CI).
func File(t testing.TB, rel string) string {
	t.Helper()
	dir, err := Dir()
	path := filepath.Join(dir, rel)
	if err == nil {
		_, err = os.Stat(path)
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared data missing under CI: %v", err)
		}
		t.Skipf("shared data missing (set SWARM_SHARED_DATA): %v", err)
	}
	return path
}
