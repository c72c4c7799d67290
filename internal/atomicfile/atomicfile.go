// Package atomicfile publishes files the careful way (STYLE 7): a temporary
// name in the target's folder, written and fsynced, renamed over the target,
// and the folder fsynced, so a crash or a concurrent reader sees the old file
// or the new one, never a torn mix.
//
// It is the one copy of these steps: the event log's seals, snapshots,
// config.toml, build logs and the binhost's packages and index all publish
// through it. It is a leaf (the standard library only), so even events may
// use it.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Create opens a new, exclusive temporary file in dir with mode perm, for a
// caller that streams into it and then calls Publish (or Discard).
func Create(dir, pattern string, perm os.FileMode) (*os.File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	if err := f.Chmod(perm); err != nil {
		Discard(f)
		return nil, fmt.Errorf("%w", err)
	}
	return f, nil
}

// Discard closes and removes a temporary file that is not to be published.
func Discard(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// Publish fsyncs and closes f (a temporary file from Create), sets its
// mtime when mtime is not zero, renames it to path and fsyncs path's folder.
// On error f is removed.
func Publish(f *os.File, path string, mtime time.Time) error {
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !mtime.IsZero() {
		err = os.Chtimes(f.Name(), mtime, mtime)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("publish %s: %w", path, err)
	}
	return SyncDir(filepath.Dir(path))
}

// WriteFile publishes data as path with mode perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, "."+filepath.Base(path)+".tmp-*", perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// Write publishes as path, mode perm, what fill writes into a temporary
// file named by pattern (os.CreateTemp's) in path's folder, for a caller
// whose leftovers after a crash are known by their name, or that streams,
// or that checks what it wrote before it is published. If fill fails, the
// temporary file is removed and nothing is published.
func Write(path, pattern string, perm os.FileMode, fill func(*os.File) error) error {
	f, err := Create(filepath.Dir(path), pattern, perm)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		Discard(f)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return Publish(f, path, time.Time{})
}

// SyncDir fsyncs a folder so that a rename or a new file in it survives a
// crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
