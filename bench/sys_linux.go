//go:build linux

package bench

import (
	"fmt"
	"os"
	"strings"
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

// memoryOf returns the peak (VmHWM) and current (VmRSS) resident memory of
// process pid, in bytes, from /proc/pid/status.
func memoryOf(pid int) (peak, now int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(data)) {
		var kb int64
		switch {
		case strings.HasPrefix(line, "VmHWM:"):
			_, err = fmt.Sscanf(line[6:], "%d kB", &kb)
			peak = kb << 10
		case strings.HasPrefix(line, "VmRSS:"):
			_, err = fmt.Sscanf(line[6:], "%d kB", &kb)
			now = kb << 10
		}
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %q: %w", pid, line, err)
		}
	}
	if peak == 0 {
		return 0, 0, fmt.Errorf("/proc/%d/status has no VmHWM", pid)
	}
	return peak, now, nil
}
