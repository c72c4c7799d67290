package drone

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/swarm-build/swarm/api"
)

// errDrained ends a first registration that Drain interrupted.
var errDrained = errors.New("drone: drained before registering")

// register introduces the drone, retrying with backoff while the
// orchestrator cannot be reached: drones are often started before it. A
// refused token or request is final. first is the registration at start,
// which Drain may interrupt (nothing is held yet).
func (a *Agent) register(ctx context.Context, first bool) error {
	bo := newBackoff(a.retryMin, a.retryMax)
	settings := a.portageSettings(ctx, 0)
	for attempt := 1; ; attempt++ {
		req := a.registerRequest()
		req.Portage = settings
		resp, err := a.client.Register(ctx, req)
		if err == nil {
			a.portageSent(settings)
			a.registeredWith(resp)
			return nil
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, api.ErrUnauthorized):
			return fmt.Errorf("register drone %q with %s: %w; check its token, or admit it with `swarm drones add %s`",
				a.cfg.ID, a.orchestrator(), err, a.cfg.ID)
		case errors.Is(err, api.ErrBadRequest):
			return fmt.Errorf("register drone %q with %s: %w", a.cfg.ID, a.orchestrator(), err)
		}
		d := bo.delay()
		a.log.Warn("cannot register with the orchestrator; retrying", "url", a.orchestrator(),
			"attempt", attempt, "in", d.Round(1e6), "err", err)
		var drained <-chan struct{} // nil: a later registration holds work and goes on
		if first {
			drained = a.drainCh
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-drained:
			t.Stop()
			return errDrained
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// registerRequest describes the drone and the builds it still holds.
func (a *Agent) registerRequest() api.RegisterRequest {
	a.sampleProgress()
	a.mu.Lock()
	defer a.mu.Unlock()
	return api.RegisterRequest{
		Cores:        uint32(a.cfg.Cores),
		MemoryMB:     a.cfg.MemoryMB,
		Slots:        uint32(a.cfg.Slots),
		Capabilities: a.cfg.Capabilities,
		Version:      a.cfg.Version,
		Tree:         a.tree(),
		Health:       string(a.health.State()),
		Tasks:        a.tasksLocked(),
	}
}

// registeredWith takes the farm's settings from a registration and drops
// the claims the orchestrator reclaimed meanwhile.
func (a *Agent) registeredWith(resp api.RegisterResponse) {
	a.mu.Lock()
	a.settings = resp
	a.registered++
	a.health.SetLimits(resp.Health)
	a.mu.Unlock()
	a.log.Info("registered", "url", a.orchestrator(), "command", resp.Command,
		"heartbeat", a.heartbeatEvery(), "slots", a.slots())
	if len(resp.Command) == 0 {
		a.log.Error("the orchestrator sent no build command: every build will fail (set build.command in its config.toml)")
	}
	for _, d := range resp.Dropped {
		a.drop(d)
	}
	a.poke()
}

// generation counts registrations; a caller that saw api.ErrNotRegistered
// passes the generation it called under to reregister.
func (a *Agent) generation() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.registered
}

// reregister registers again after a call found the drone unknown (the
// orchestrator restarted or forgot it), unless another caller already did
// since generation gen. A refused token ends the agent.
func (a *Agent) reregister(ctx context.Context, gen uint64) {
	a.regMu.Lock()
	defer a.regMu.Unlock()
	if a.generation() != gen {
		return
	}
	a.log.Warn("the orchestrator does not know this drone; registering again")
	if err := a.register(ctx, false); err != nil && ctx.Err() == nil {
		a.setFatal(err)
	}
}

// slots is how many builds the drone runs at once.
func (a *Agent) slots() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.slotsLocked()
}

// heartbeatEvery is the farm's heartbeat interval.
func (a *Agent) heartbeatEvery() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.heartbeatLocked()
}

// DefaultTreeFile is where portage records when the tree was last synced.
const DefaultTreeFile = "/var/db/repos/gentoo/metadata/timestamp.chk"

// tree returns the drone's portage tree identity: the configured one, else
// the first line of the tree file, else "" (unknown: the orchestrator does
// not hold it against the drone).
func (a *Agent) tree() string {
	if a.cfg.Tree != "" {
		return a.cfg.Tree
	}
	path := a.cfg.TreeFile
	if path == "" {
		path = DefaultTreeFile
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}
