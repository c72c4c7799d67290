package config

import (
	"fmt"

	"github.com/swarm-build/swarm/internal/atomicfile"
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
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("config.toml: %w", err)
	}
	return nil
}
