package drone

import (
	"context"
	"errors"
	"time"

	"github.com/swarm-build/swarm/api"
)

// heartbeatLoop reports to the orchestrator every interval, and at once
// when the health changed, until ctx ends. Each heartbeat renews the
// leases of the builds it lists. Run sends the first one itself, before it
// claims.
func (a *Agent) heartbeatLoop(ctx context.Context) {
	for {
		t := time.NewTimer(a.heartbeatEvery())
		select {
		case <-t.C:
		case <-a.tell:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return
		}
		a.heartbeat(ctx)
	}
}

// heartbeat samples the machine, judges its health, and sends one
// heartbeat; then it applies the answer: drops, grounding and pause.
func (a *Agent) heartbeat(ctx context.Context) {
	s, err := a.sampler.Sample(ctx)
	if err != nil {
		a.log.Debug("resource sample incomplete", "err", err)
	}
	a.sampleProgress()
	settings := a.portageToSend(a.portageSettings(ctx, portageEvery))
	now := time.Now()
	a.mu.Lock()
	t := a.health.Observe(Observation{Sample: s, SlowBuilds: a.slowBuildsLocked(now)})
	req := api.HeartbeatRequest{
		Health:        string(a.health.State()),
		CPUPercent:    s.CPUPercent,
		MemoryPercent: s.MemoryPercent,
		DiskPercent:   s.DiskPercent,
		Load:          s.Load1,
		Tasks:         a.tasksLocked(),
		Draining:      a.draining(),
		Tree:          a.tree(),
		Portage:       settings,
		Version:       a.cfg.Version,
	}
	gen := a.registered
	a.mu.Unlock()
	a.logTransition(t)

	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	resp, err := a.client.Heartbeat(cctx, req)
	cancel()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return
	case errors.Is(err, api.ErrNotRegistered):
		a.reregister(ctx, gen)
		return
	case errors.Is(err, api.ErrUnauthorized):
		a.setFatal(err)
		return
	default:
		a.log.Warn("heartbeat failed", "err", err)
		return
	}
	if req.Portage != nil {
		a.portageSent(req.Portage)
	}
	a.heard(req.Tasks, now, resp)
	for _, d := range resp.Drop {
		a.drop(d)
	}
	a.poke()
}

// heard records a heartbeat's answer: the leases of the tasks it listed
// were renewed at sent; grounding and pause gate claiming.
func (a *Agent) heard(tasks []api.Task, sent time.Time, resp api.HeartbeatResponse) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range tasks {
		if b := a.held[heldKey{t.Atom, t.Fence}]; b != nil && b.renewed.Before(sent) {
			b.renewed = sent
		}
	}
	if resp.Grounded != a.grounded || resp.Paused != a.paused {
		a.log.Info("farm says", "grounded", resp.Grounded, "until", resp.GroundedUntil, "paused", resp.Paused)
	}
	a.grounded, a.groundEnd, a.paused = resp.Grounded, resp.GroundedUntil, resp.Paused
}

// slowBuildsLocked lists the builds running longer than the slow factor
// times their expected duration. Lock must be held.
func (a *Agent) slowBuildsLocked(now time.Time) []string {
	var slow []string
	for _, b := range a.held {
		if b.running && a.health.IsSlow(now.Sub(b.started).Milliseconds(), b.claim.ExpectedMS) {
			slow = append(slow, b.claim.Atom)
		}
	}
	return slow
}

// heartbeatLocked is the farm's heartbeat interval. Lock must be held.
func (a *Agent) heartbeatLocked() time.Duration {
	if d := a.settings.Heartbeat(); d > 0 {
		return d
	}
	return defaultHeartbeat
}

// leaseLocked is the farm's lease. Lock must be held.
func (a *Agent) leaseLocked() time.Duration {
	if d := a.settings.Lease(); d > 0 {
		return d
	}
	return defaultLease
}
