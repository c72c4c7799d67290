//go:build unix

package demo

import (
	"os"
	"syscall"
)

// killGroup sends SIGKILL to p's process group, which startProc made p the
// leader of.
func killGroup(p *os.Process) {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		_ = p.Kill()
	}
}
