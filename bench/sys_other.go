//go:build !linux

package bench

import (
	"os"
	"time"
)

// fdatasync falls back to fsync where there is no fdatasync.
func fdatasync(f *os.File) error { return f.Sync() }

// cpuTime is unknown here: the CPU-time ratios are left out.
func cpuTime() time.Duration { return 0 }
