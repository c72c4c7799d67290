package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestEdit: Edit applies a change, makes its lock file 0600, and refuses an
// empty file without calling edit or touching the file.
func TestEdit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := WriteFile(path, Template()); err != nil {
		t.Fatal(err)
	}
	err := Edit(path, func(data []byte) ([]byte, error) { return Set(data, "farm.ground_after", "9") })
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := Load(path); err != nil || cfg.Farm.GroundAfter != 9 {
		t.Errorf("after Edit: ground_after %d, %v", cfg.Farm.GroundAfter, err)
	}
	fi, err := os.Stat(filepath.Join(dir, LockName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, %v; want mode 0600", fi, err)
	}

	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	called := false
	err = Edit(path, func(data []byte) ([]byte, error) { called = true; return Set(data, "farm.ground_after", "9") })
	if !errors.Is(err, ErrEmpty) || called {
		t.Errorf("Edit(empty file) = %v (edit called: %v), want ErrEmpty before edit", err, called)
	}
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("Edit(empty file) wrote %q", data)
	}
}
