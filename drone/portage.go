package drone

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/swarm-build/swarm/portage"
)

// The drone reports its portage configuration (portage.Settings: profile,
// CHOST, CFLAGS, USE, the ABI settings) so the farm can refuse work to a
// drone that would build packages its clients cannot use. It reads them by
// running PortageInfo (`emerge --info`) when it registers and again every
// portageEvery, and sends them in a heartbeat only when they changed.

// DefaultPortageInfo is the command that prints the drone's portage
// settings. The profile comes from its first line, which portage reads
// from the make.profile symlink.
var DefaultPortageInfo = []string{"emerge", "--info"}

const (
	portageEvery   = 10 * time.Minute // how often the settings are read again
	portageTimeout = 2 * time.Minute  // emerge --info takes a second or two
)

// portageState is what the drone knows of its settings and what it sent.
type portageState struct {
	mu      sync.Mutex
	read    time.Time        // when the command last ran; zero: never
	current portage.Settings // nil: unknown (the command failed)
	sent    string           // the fingerprint the orchestrator has
	lastErr string           // the last failure, logged once
}

// portageSettings runs the settings command when the last reading is
// older than maxAge (0: always) and returns what the drone knows.
func (a *Agent) portageSettings(ctx context.Context, maxAge time.Duration) portage.Settings {
	ps := &a.portage
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if !ps.read.IsZero() && time.Since(ps.read) < maxAge {
		return ps.current
	}
	ps.read = time.Now()
	s, err := a.readPortage(ctx)
	if err != nil {
		if err.Error() != ps.lastErr {
			a.log.Warn("cannot read this machine's portage settings; a farm that states [portage] gives it no work", "err", err)
		}
		ps.current, ps.lastErr = nil, err.Error()
		return nil
	}
	if fp := s.Fingerprint(); fp != ps.current.Fingerprint() {
		a.log.Info("portage settings", "fingerprint", fp, "settings", s.Pairs())
	}
	ps.current, ps.lastErr = s, ""
	return s
}

// readPortage runs the settings command once and parses its output.
func (a *Agent) readPortage(ctx context.Context) (portage.Settings, error) {
	argv := a.cfg.PortageInfo
	if len(argv) == 0 {
		argv = DefaultPortageInfo
	}
	ctx, cancel := context.WithTimeout(ctx, portageTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = buildEnviron(os.Environ(), a.secrets)
	out, err := cmd.Output()
	s, perr := portage.ParseInfo(string(out))
	if perr != nil {
		if err != nil {
			return nil, fmt.Errorf("portage settings: %q: %w", argv, err)
		}
		return nil, fmt.Errorf("portage settings: %q: %w", argv, perr)
	}
	// portageq envvar exits 1 when a variable is unset; what it printed
	// still stands.
	return s, nil
}

// portageToSend is the settings a heartbeat carries: only when they differ
// from what the orchestrator has.
func (a *Agent) portageToSend(s portage.Settings) map[string]string {
	a.portage.mu.Lock()
	defer a.portage.mu.Unlock()
	if fp := s.Fingerprint(); fp == "" || fp == a.portage.sent {
		return nil
	}
	return s
}

// portageSent records that the orchestrator has s.
func (a *Agent) portageSent(s map[string]string) {
	a.portage.mu.Lock()
	a.portage.sent = portage.Settings(s).Fingerprint()
	a.portage.mu.Unlock()
}
