//go:build linux

package bench

import (
	"os"
	"syscall"
	"time"
)

// fdatasync is what the events log calls after each write: the data and the
// size, not the timestamps.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// cpuTime is the CPU time (user and system) this process has used so far.
// On a machine whose cores are shared, CPU time per event is steadier than
// events per wall-clock second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
