package events

import (
	"fmt"
	"os"
	"path/filepath"
)

// Size is the bytes the log's segments take on disk now (for metrics and
// status: the log only grows until segments are pruned).
func (l *Log) Size() (int64, error) {
	names, err := listSegments(l.dir)
	if err != nil {
		return 0, fmt.Errorf("log size: %w", err)
	}
	var n int64
	for _, name := range names {
		fi, err := os.Stat(filepath.Join(l.dir, name))
		if err != nil {
			return 0, fmt.Errorf("log size: %w", err)
		}
		n += fi.Size()
	}
	return n, nil
}
