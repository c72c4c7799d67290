package e2e

import "syscall"

// procAttr makes a farm's process die with the test binary (a test that
// times out panics, and its cleanups never run).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
