package drone

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/swarm-build/swarm/api"
)

// claimLoop claims packages while the drone may take work, and starts a
// build for each. It returns nil when draining or when ctx ends, and an
// error the agent cannot go on with. It never spins: a failed call backs
// off, and an answer of "no work" that came back early (paused, grounded)
// waits out the rest of the long poll before asking again.
func (a *Agent) claimLoop(ctx context.Context) error {
	bo := newBackoff(a.retryMin, a.retryMax)
	for {
		if !a.waitForSlot(ctx) {
			return nil
		}
		gen := a.generation()
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, a.claimWait+callTimeout)
		resp, err := a.client.Claim(cctx, a.claimWait)
		cancel()
		switch {
		case ctx.Err() != nil:
			if err == nil && resp.Claim != nil {
				a.hold(*resp.Claim, "drone shutting down")
			}
			return nil
		case errors.Is(err, api.ErrUnauthorized):
			return fmt.Errorf("claim: %w", err)
		case errors.Is(err, api.ErrNotRegistered):
			a.reregister(ctx, gen)
			continue
		case err != nil:
			d := bo.delay()
			a.log.Warn("claim failed; retrying", "in", d.Round(time.Millisecond), "err", err)
			if !a.idle(ctx, d) {
				return nil
			}
			continue
		}
		bo.reset()
		if resp.Claim == nil {
			a.log.Debug("no work", "reason", resp.Reason)
			if rest := a.claimWait - time.Since(start); rest > 0 && !a.idle(ctx, rest) {
				return nil
			}
			continue
		}
		c := *resp.Claim
		refuse := a.refusal()
		if refuse == "" {
			a.log.Info("claimed", "atom", c.Atom, "fence", c.Fence, "attempt", c.Attempt)
		} else {
			a.log.Info("claimed while unable to build; giving it back", "atom", c.Atom, "reason", refuse)
		}
		a.hold(c, refuse)
	}
}

// waitForSlot waits until the drone may claim: registered, healthy, not
// grounded or paused, with a free slot. It returns false once the drone is
// draining or ctx ends.
func (a *Agent) waitForSlot(ctx context.Context) bool {
	for {
		if a.draining() || ctx.Err() != nil {
			return false
		}
		ok, recheck := a.mayClaim(time.Now())
		if ok {
			return true
		}
		t := time.NewTimer(recheck)
		select {
		case <-a.wake:
		case <-t.C:
		case <-a.drainCh:
		case <-ctx.Done():
		}
		t.Stop()
	}
}

// mayClaim reports whether the drone may claim now, and otherwise how long
// before a grounding ends (or a heartbeat, whichever is sooner).
func (a *Agent) mayClaim(now time.Time) (bool, time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	recheck := a.heartbeatLocked()
	grounded := a.grounded
	if grounded && !a.groundEnd.IsZero() {
		if until := a.groundEnd.Sub(now); until <= 0 {
			grounded = false
		} else {
			recheck = min(recheck, until)
		}
	}
	free := len(a.held) < a.slotsLocked()
	return free && !grounded && a.paused == "" && a.health.State() == Healthy, recheck
}

// refusal says why a claim that just arrived cannot be built here ("" if
// it can): the drone started draining or stopped being healthy during the
// long poll.
func (a *Agent) refusal() string {
	if a.draining() || a.aborting() {
		return "drone shutting down"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s := a.health.State(); s != Healthy {
		return fmt.Sprintf("drone %s: %s", s, a.health.Reason())
	}
	return ""
}

// idle waits for d unless the drone starts draining or ctx ends (false).
func (a *Agent) idle(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.drainCh:
		return false
	case <-ctx.Done():
		return false
	}
}

// slotsLocked is how many builds the drone runs at once: its own setting,
// capped by what the farm allows it. Lock must be held.
func (a *Agent) slotsLocked() int {
	n := a.cfg.Slots
	if s := int(a.settings.Slots); s > 0 && s < n {
		n = s
	}
	return n
}
