package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := Set(Template(), "farm.lease", "90s")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, data); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("file holds %q, %v; want the new text", got, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want 0600 (the file holds token hashes)", fi.Mode(), err)
	}
	if cfg, err := Load(path); err != nil || cfg.Farm.Lease.Seconds() != 90 {
		t.Errorf("Load after WriteFile = %v, %v", cfg.Farm.Lease, err)
	}
	assertOnlyFile(t, dir)
}

// A config that would not load is never published.
func TestWriteFileRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := WriteFile(path, Template()); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, []byte("[farm]\nlease = 90\n"))
	if !errors.Is(err, ErrBadValue) {
		t.Errorf("WriteFile(bad) = %v, want ErrBadValue", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, Template()) {
		t.Error("WriteFile(bad) changed the file")
	}
	assertOnlyFile(t, dir)
}

func TestWriteFileMissingDir(t *testing.T) {
	err := WriteFile(filepath.Join(t.TempDir(), "nope", FileName), Template())
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WriteFile into a missing folder = %v, want os.ErrNotExist", err)
	}
}

// assertOnlyFile checks that no temporary file was left behind.
func assertOnlyFile(t *testing.T, dir string) {
	t.Helper()
	names, err := os.ReadDir(dir)
	if err != nil || len(names) != 1 || names[0].Name() != FileName {
		t.Errorf("folder holds %v, %v; want only %s", names, err, FileName)
	}
}
