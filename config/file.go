package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile publishes data as the config file at path, atomically: it writes
// a temporary file in the same folder, fsyncs it, renames it over path and
// fsyncs the folder, so a crash or a concurrent reader sees either the old
// file or the new one, never a torn mix. The file's mode is 0600 because it
// holds the drones' token hashes.
//
// data must Parse (as Set's and Delete's results and Template do): a config
// that would not load is never published. WriteFile does not lock: to
// read, change and write the file, use Edit, which does.
func WriteFile(path string, data []byte) error {
	if _, err := parse(path, data); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := writeSynced(tmp, data); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("config: %w", err)
	}
	return syncDir(dir)
}

// writeSynced writes data to f with mode 0600, fsyncs and closes it.
func writeSynced(f *os.File, data []byte) error {
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("config: writing %s: %w", f.Name(), err)
	}
	return nil
}

// syncDir fsyncs a folder so that a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("config: syncing %s: %w", dir, err)
	}
	return nil
}
