package orchestrator

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/remotes"
)

// healer is what self-healing did for each offline drone since it was
// last online. It lives in memory: a restarted orchestrator starts the
// count afresh, which is at most restart_attempts more restarts.
type healer struct {
	mu      sync.Mutex
	records map[string]commands.HealRecord
	busy    map[string]bool // a command is running for the drone
}

// healDue is one drone's step to take, with its remote.
type healDue struct {
	id     string
	remote remotes.Remote
	action commands.HealAction
	rec    commands.HealRecord
}

// selfHealLoop restarts drones that stay offline past [heal] after by
// running their remote's restart command over SSH, when [heal] enables
// it. The address is always the remote's configured one in config.toml,
// never one a drone reported about itself.
func (s *Server) selfHealLoop(ctx context.Context) {
	h := &healer{records: map[string]commands.HealRecord{}, busy: map[string]bool{}}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		cfg := s.config()
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(cfg.Server.MaintenanceEvery.Duration, 100*time.Millisecond)):
		}
		if !cfg.Heal.Enabled || !s.leading() {
			continue
		}
		for _, due := range h.due(ctx, s, cfg, time.Now()) {
			wg.Go(func() { s.heal(ctx, h, cfg.Heal, due) })
		}
	}
}

// due lists the drones to restart or reboot now and marks them busy.
func (h *healer) due(ctx context.Context, s *Server, cfg config.Config, now time.Time) []healDue {
	rules := commands.HealRules{Enabled: true, After: cfg.Heal.After.Duration, Attempts: cfg.Heal.RestartAttempts,
		Backoff: cfg.Heal.Backoff.Duration, Reboot: cfg.Heal.Reboot}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []healDue
	_ = s.store.Read(ctx, func(st *projections.State) {
		for d := range st.Drones() {
			if d.Online && !d.GroundedAt(now) { // well again: a later fall starts afresh
				delete(h.records, d.ID)
				continue
			}
			rc, ok := cfg.Remotes[d.ID]
			if !ok || rc.Restart == "" || h.busy[d.ID] {
				continue
			}
			r, err := remotes.FromConfig(d.ID, rc)
			if err != nil || r.Role != config.RoleDrone {
				continue
			}
			if a := commands.HealDue(rules, d, h.records[d.ID], now); a != commands.HealNone {
				h.busy[d.ID] = true
				out = append(out, healDue{id: d.ID, remote: r, action: a, rec: h.records[d.ID]})
			}
		}
	})
	return out
}

// heal runs one restart or reboot and records it, as a record and an event.
func (s *Server) heal(ctx context.Context, h *healer, hc config.HealConfig, due healDue) {
	command, t := due.remote.Restart, events.TypeDroneRestarted
	rec := due.rec
	if due.action == commands.HealReboot {
		command, t, rec.Rebooted = hc.RebootCommand, events.TypeHostRebooted, true
	} else {
		rec.Restarts++
	}
	s.log.Warn("self-healing a drone offline or grounded too long", "drone", due.id, "command", command, "attempt", rec.Restarts)
	outcome := "ran: " + command
	if err := runRemote(ctx, due.remote, command); err != nil {
		outcome = "failed: " + err.Error()
		s.log.Error("self-healing", "drone", due.id, "err", err)
	}
	rec.Last = time.Now()
	h.mu.Lock()
	h.records[due.id], h.busy[due.id] = rec, false
	h.mu.Unlock()
	e := events.Event{Type: t, Actor: commands.ActorOrchestrator, Drone: due.id, Remote: due.remote.Name,
		Attempt: uint32(rec.Restarts), Reason: outcome}
	if _, err := s.execute(ctx, func(*projections.State) ([]events.Event, error) {
		return []events.Event{e}, nil
	}); err != nil && ctx.Err() == nil {
		s.log.Error("self-healing: recording", "drone", due.id, "err", err)
	}
}

// runRemote runs command on r over SSH (its host key checked against
// known_hosts; never accepted when new).
func runRemote(ctx context.Context, r remotes.Remote, command string) error {
	c, err := remotes.Dial(ctx, r, remotes.DialOptions{})
	if err != nil {
		return err
	}
	defer c.Close()
	out, err := c.Run(ctx, command)
	if err != nil {
		if last := strings.TrimSpace(out); last != "" {
			return fmt.Errorf("%w: %s", err, last[strings.LastIndexByte(last, '\n')+1:])
		}
		return err
	}
	return nil
}
