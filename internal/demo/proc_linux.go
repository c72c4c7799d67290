//go:build linux

package demo

import "syscall"

// sysProcAttr puts a child in its own process group, and has Linux send it
// SIGTERM should the demo die without stopping it (kill -9), so no farm
// outlives the demo.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
