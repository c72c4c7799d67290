//go:build unix

package events

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenRead: openRead reads a file as os.Open does, and a missing file
// is fs.ErrNotExist with its path, as the readers' fallbacks expect.
func TestOpenRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seg")
	if err := os.WriteFile(path, []byte("frame bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := openRead(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil || string(got) != "frame bytes" {
		t.Fatalf("read %q, %v", got, err)
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Error("a file opened for reading took a write")
	}
	_, err = openRead(filepath.Join(dir, "gone"))
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Path != filepath.Join(dir, "gone") {
		t.Errorf("missing file: %v", err)
	}
}
