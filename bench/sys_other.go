//go:build !linux

package bench

import (
	"errors"
	"os"
	"time"
)

// fdatasync falls back to fsync where there is no fdatasync.
func fdatasync(f *os.File) error { return f.Sync() }

// cpuTime is unknown here: the CPU-time ratios are left out.
func cpuTime() time.Duration { return 0 }

func memoryOf(pid int) (peak, now int64, err error) {
	return 0, 0, errors.New("the peak memory of a process is read from Linux's /proc")
}
