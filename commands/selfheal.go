package commands

import (
	"time"

	"github.com/swarm-build/swarm/projections"
)

// Self-healing: a drone that stays offline or grounded is restarted by running its
// remote's restart command over SSH, a bounded number of times with
// backoff; a reboot, when the farm allows it, comes only after every
// restart failed. The rule is here; the orchestrator runs the commands.

// HealRules is config.toml's [heal].
type HealRules struct {
	Enabled  bool
	After    time.Duration // offline or grounded this long before the first restart
	Attempts int           // restarts at most
	Backoff  time.Duration // wait after the first restart, doubled after each
	Reboot   bool          // may reboot once the restarts failed
}

// HealRecord is what self-healing did for a drone since it was last
// online.
type HealRecord struct {
	Restarts int
	Last     time.Time // of the last restart or reboot
	Rebooted bool
}

// HealAction is what self-healing should do for a drone now.
type HealAction int

// The actions.
const (
	HealNone HealAction = iota
	HealRestart
	HealReboot
)

// HealDue decides what to do for drone d at now, given what was done.
// Only a drone that has been heard from and is offline past After, or
// grounded past After (a drone stuck failing: the breaker's cooldown
// keeps being renewed, or an operator's grounding runs on), is touched;
// each next step waits out the backoff of the one before.
func HealDue(h HealRules, d *projections.Drone, rec HealRecord, now time.Time) HealAction {
	if !h.Enabled || d.LastSeen.IsZero() || !(offlinePast(d, h.After, now) || groundedPast(d, h.After, now)) {
		return HealNone
	}
	if rec.Restarts > 0 && now.Sub(rec.Last) < h.Backoff<<min(rec.Restarts-1, 16) {
		return HealNone
	}
	switch {
	case rec.Restarts < h.Attempts:
		return HealRestart
	case h.Reboot && !rec.Rebooted:
		return HealReboot
	}
	return HealNone
}

func offlinePast(d *projections.Drone, after time.Duration, now time.Time) bool {
	return !d.Online && now.Sub(d.LastSeen) >= after
}

func groundedPast(d *projections.Drone, after time.Duration, now time.Time) bool {
	return d.GroundedAt(now) && !d.GroundedSince.IsZero() && now.Sub(d.GroundedSince) >= after
}
