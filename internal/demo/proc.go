package demo

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// proc is a process of the demo farm: the orchestrator or a drone. Each
// runs in its own process group, so a Ctrl-C on the terminal reaches the
// demo alone, which then stops them in order; and a drone's builds can be
// killed with it if it will not stop.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string        // its stdout and stderr
	done chan struct{} // closed once it has exited
	err  error         // how it exited; read after done
}

// startProc starts argv in dir with env, its output appended to logPath.
func startProc(name, logPath, dir string, env, argv []string) (*proc, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("%w: start %s: %w", ErrStart, name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	return p, nil
}

// pid is the process id (and its process group's).
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// terminate sends SIGTERM to the process (not its group: a drone decides
// what happens to its builds).
func (p *proc) terminate() {
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
}

// wait waits up to d for the process to end and reports whether it did.
func (p *proc) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// kill ends the process's whole group at once: the process and whatever it
// started and left behind.
func (p *proc) kill() {
	killGroup(p.cmd.Process)
	<-p.done
}

// exitError describes how an ended process exited: nil for status 0 or an
// exit caused by SIGTERM, which is how the demo stops it.
func (p *proc) exitError() error {
	var ee *exec.ExitError
	if p.err == nil || !errors.As(p.err, &ee) {
		return p.err
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
		return nil
	}
	return fmt.Errorf("%s %w (its log: %s)", p.name, p.err, p.log)
}
