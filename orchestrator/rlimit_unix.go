//go:build unix

package orchestrator

import "syscall"

// descriptorLimit is the process's soft RLIMIT_NOFILE (which the Go
// runtime raises to the hard limit at start).
func descriptorLimit() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	return rl.Cur, nil
}
