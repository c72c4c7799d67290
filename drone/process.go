package drone

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// process is one running build command: its own process group, its output
// going straight into the build's log file (no pipe, so nothing is lost if
// the drone is killed, and the file's size is the build's progress).
type process struct {
	cmd *exec.Cmd

	mu     sync.Mutex
	exited bool // Wait returned: the group may be gone, or reused
}

// exitStatus is how a build command ended.
type exitStatus struct {
	Code   int            // exit code; -1 when killed by a signal
	Signal syscall.Signal // the signal that killed it, when Code is -1
}

// String reads like "exited 1" or "killed by signal: killed".
func (s exitStatus) String() string {
	if s.Code >= 0 {
		return fmt.Sprintf("exited %d", s.Code)
	}
	return "killed by signal: " + s.Signal.String()
}

// startProcess starts argv with stdout and stderr appended to log, in a new
// process group so that a kill reaches the compilers emerge starts too.
func startProcess(argv, env []string, log *os.File) (*process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = nil // /dev/null: a build that asks a question must not hang
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = env
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &process{cmd: cmd}, nil
}

// wait waits for the command to end and says how it ended. A status that
// is neither an exit nor a signal (it cannot happen on Linux) reads as
// exit 255 rather than success.
func (p *process) wait() exitStatus {
	err := p.cmd.Wait()
	p.mu.Lock()
	p.exited = true
	p.mu.Unlock()
	st := exitStatus{Code: 0}
	if err == nil {
		return st
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return exitStatus{Code: -1, Signal: ws.Signal()}
		}
		if c := ee.ExitCode(); c > 0 {
			return exitStatus{Code: c}
		}
	}
	return exitStatus{Code: 255}
}

// kill ends the whole process group at once. It does nothing once the
// command was waited for, since its group id may then belong to another.
func (p *process) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return
	}
	killGroup(p.cmd.Process)
}

// logName is the build log's file name for a claim: the atom with every
// character outside [A-Za-z0-9._+-] made '_', then the fence, so that two
// claims of one package never share a file:
//
//	sys-devel/llvm-19.1.7, fence 42 → sys-devel_llvm-19.1.7.42.log
func logName(atom string, fence uint64) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '.', r == '_', r == '+', r == '-':
			return r
		}
		return '_'
	}, atom)
	safe = strings.TrimLeft(safe, ".") // never a hidden file, never ".."
	if safe == "" {
		safe = "_"
	}
	return fmt.Sprintf("%s.%d.log", safe, fence)
}

// openLog creates the build's log file in dir (and dir itself).
func openLog(dir, atom string, fence uint64) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("build log folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, logName(atom, fence)), os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("build log: %w", err)
	}
	return f, nil
}
