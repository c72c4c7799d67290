//go:build unix

package flock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestExcludes checks the three holders' rules in one process, where flock
// behaves as between processes: an exclusive holder shuts out TryLock,
// shared holders admit each other, and Release lets the next one in.
func TestExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "LOCK")
	a, err := Exclusive(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.TryLock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock while held exclusively: %v, want ErrLocked", err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := b.TryLock(); err != nil {
		t.Fatalf("TryLock after Unlock: %v", err)
	}
	if err := b.Release(); err != nil {
		t.Fatal(err)
	}
	if err := b.RLock(); err != nil {
		t.Fatal(err)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.RLock(); err != nil {
		t.Fatalf("a second shared holder: %v", err)
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if err := c.TryLock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock while shared by another: %v, want ErrLocked", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode().Perm())
	}
}
