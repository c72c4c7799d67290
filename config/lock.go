package config

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/swarm-build/swarm/internal/flock"
)

// LockName is the lock file, beside config.toml, that every edit of
// config.toml holds (see Edit). It holds no data.
const LockName = "config.lock"

// Edit changes the config file at path: under an exclusive OS lock on
// LockName in the same folder, it reads the file, passes its text to edit,
// and publishes the result with WriteFile. So edits by separate processes
// (ten `swarm drones add` at once) are applied one after another, each to
// the file the last one wrote, and none is lost; when Edit returns nil the
// change is on disk.
//
// A file with nothing but white space is refused (ErrEmpty) before edit
// runs: an edit would turn a truncated file into one that silently drops
// every drone. On any error the file is left as it was.
func Edit(path string, edit func(data []byte) ([]byte, error)) error {
	l, err := flock.Exclusive(filepath.Join(filepath.Dir(path), LockName))
	if err != nil {
		return fmt.Errorf("config.toml: %w", err)
	}
	defer l.Unlock()
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config.toml: %w", err)
	}
	if err := checkNotEmpty(path, data); err != nil {
		return err
	}
	out, err := edit(data)
	if err != nil {
		return err
	}
	return WriteFile(path, out)
}
