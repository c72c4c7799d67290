package drone

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// selfCheckTimeout bounds one run of the self-check command: a check that
// hangs has failed.
const selfCheckTimeout = 10 * time.Minute

// selfCheckLog is the self-check's output file in the log folder.
const selfCheckLog = "self-check.log"

// selfCheckLoop runs the farm's self-check until it passes, which makes a
// recovering drone healthy, or until the agent stops. A drone with no
// self-check configured is healthy again at once.
func (a *Agent) selfCheckLoop() {
	bo := newBackoff(a.retryMin, max(a.retryMax, time.Minute))
	for {
		a.mu.Lock()
		argv := slices.Clone(a.settings.Health.SelfCheck)
		a.mu.Unlock()
		err := a.selfCheck(a.ctx, argv)
		if a.ctx.Err() != nil {
			return
		}
		detail := ""
		if err != nil {
			detail = err.Error()
		}
		a.mu.Lock()
		t := a.health.SelfChecked(err == nil, detail)
		a.mu.Unlock()
		a.healthChanged(t)
		if err == nil {
			a.poke()
			return
		}
		d := bo.delay()
		a.log.Warn("self-check failed; trying again", "in", d.Round(time.Millisecond), "err", err,
			"log", filepath.Join(a.cfg.LogDir, selfCheckLog))
		if !sleep(a.ctx, d) {
			return
		}
	}
}

// selfCheck runs argv once (nil: no check, passed) with its output in the
// log folder, in its own process group, killed if ctx ends or it overruns.
func (a *Agent) selfCheck(ctx context.Context, argv []string) error {
	if len(argv) == 0 {
		return nil
	}
	if err := os.MkdirAll(a.cfg.LogDir, 0o755); err != nil {
		return fmt.Errorf("self-check: %w", err)
	}
	f, err := os.Create(filepath.Join(a.cfg.LogDir, selfCheckLog))
	if err != nil {
		return fmt.Errorf("self-check: %w", err)
	}
	defer f.Close()
	p, err := startProcess(argv, buildEnviron(os.Environ(), a.secrets), f)
	if err != nil {
		return fmt.Errorf("self-check %q: %w", argv, err)
	}
	ctx, cancel := context.WithTimeout(ctx, selfCheckTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, p.kill)
	defer stop()
	if st := p.wait(); st.Code != 0 {
		return fmt.Errorf("self-check %q %s", argv, st)
	}
	return nil
}
