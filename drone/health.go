package drone

import (
	"fmt"
	"strings"

	"github.com/swarm-build/swarm/api"
)

// State is a drone's health, as its heartbeats report it.
type State string

// The health states. Only a healthy drone claims work.
const (
	// Healthy: claims work while it has a free slot.
	Healthy State = "healthy"
	// Degraded: memory or disk above its threshold, or a build running far
	// past its usual time. It finishes what it holds and claims nothing
	// new; it is healthy again once every reason is gone.
	Degraded State = "degraded"
	// Critical: builds crashed (killed by a signal, or out of memory) too
	// many times in a row. It stops and returns every package it holds, so
	// other drones build them, then recovers.
	Critical State = "critical"
	// Recovering: its work is returned; it runs the self-check command and
	// is healthy once that passes (at once when none is configured).
	Recovering State = "recovering"
)

// Defaults of the thresholds, used for any the orchestrator leaves at zero
// (they match the farm's config.toml defaults).
const (
	DefaultDegradedMemoryPercent = 85
	DefaultDegradedDiskPercent   = 90
	DefaultSlowFactor            = 2
	DefaultCriticalCrashes       = 3
)

// Outcome is how a build ended, as far as the drone's health is concerned.
type Outcome int

const (
	Succeeded Outcome = iota // exit 0: resets the crash count
	Failed                   // exited non-zero: the package's problem, not the machine's
	Crashed                  // killed by a signal it did not send, or out of memory
)

// Transition is a change of state, for the log and the heartbeat.
type Transition struct {
	From, To State
	Reason   string
}

// Changed reports whether the state changed.
func (t Transition) Changed() bool { return t.From != t.To }

// Health is the drone's health state machine. It is pure: it reads no
// clock and runs nothing; the agent feeds it samples, build outcomes and
// the end of its returns and self-checks, and acts on the transitions.
// It is not safe for concurrent use.
type Health struct {
	state   State
	crashes int // builds crashed in a row, since the last success or recovery
	limits  api.Health
	reasons []string // why degraded (or critical), for logs and returns
}

// NewHealth returns a healthy machine with the given thresholds; zero
// thresholds take the defaults.
func NewHealth(limits api.Health) *Health {
	h := &Health{state: Healthy}
	h.SetLimits(limits)
	return h
}

// SetLimits replaces the thresholds (the orchestrator may send new ones on
// re-registration); zero ones take the defaults.
func (h *Health) SetLimits(l api.Health) {
	if l.DegradedMemoryPercent <= 0 {
		l.DegradedMemoryPercent = DefaultDegradedMemoryPercent
	}
	if l.DegradedDiskPercent <= 0 {
		l.DegradedDiskPercent = DefaultDegradedDiskPercent
	}
	if l.SlowFactor < 1 {
		l.SlowFactor = DefaultSlowFactor
	}
	if l.CriticalCrashes <= 0 {
		l.CriticalCrashes = DefaultCriticalCrashes
	}
	h.limits = l
}

// Limits returns the thresholds in force.
func (h *Health) Limits() api.Health { return h.limits }

// State returns the current state.
func (h *Health) State() State { return h.state }

// Reason says why the drone is not healthy ("" when it is).
func (h *Health) Reason() string { return strings.Join(h.reasons, "; ") }

// Crashes returns the builds crashed in a row.
func (h *Health) Crashes() int { return h.crashes }

// Observation is what one heartbeat's sampling found.
type Observation struct {
	Sample
	// SlowBuilds are the atoms of builds running longer than SlowFactor
	// times their expected duration (the agent measures; see IsSlow).
	SlowBuilds []string
}

// IsSlow reports whether a build that has run for ranMS, and usually takes
// expectedMS (0: unknown), is too slow under the thresholds.
func (h *Health) IsSlow(ranMS, expectedMS int64) bool {
	return expectedMS > 0 && float64(ranMS) > h.limits.SlowFactor*float64(expectedMS)
}

// Observe judges a sample: healthy and degraded move between each other;
// critical and recovering are left only by returning work and self-checks.
func (h *Health) Observe(o Observation) Transition {
	if h.state == Critical || h.state == Recovering {
		return Transition{h.state, h.state, h.Reason()}
	}
	var why []string
	if o.MemoryPercent > h.limits.DegradedMemoryPercent {
		why = append(why, fmt.Sprintf("memory %.0f%% > %.0f%%", o.MemoryPercent, h.limits.DegradedMemoryPercent))
	}
	if o.DiskPercent > h.limits.DegradedDiskPercent {
		why = append(why, fmt.Sprintf("disk %.0f%% > %.0f%%", o.DiskPercent, h.limits.DegradedDiskPercent))
	}
	for _, atom := range o.SlowBuilds {
		why = append(why, fmt.Sprintf("%s running over %g× its usual time", atom, h.limits.SlowFactor))
	}
	if len(why) > 0 {
		return h.move(Degraded, why)
	}
	return h.move(Healthy, nil)
}

// BuildEnded counts a build's outcome: a success resets the crash count, a
// crash adds one, and enough in a row make the drone critical. An ordinary
// failure leaves the count alone: it is the package's fault, and the
// orchestrator's breaker judges those.
func (h *Health) BuildEnded(o Outcome) Transition {
	switch o {
	case Succeeded:
		h.crashes = 0
	case Crashed:
		h.crashes++
		if h.crashes >= h.limits.CriticalCrashes && h.state != Critical && h.state != Recovering {
			return h.move(Critical, []string{fmt.Sprintf("%d builds crashed in a row", h.crashes)})
		}
	}
	return Transition{h.state, h.state, h.Reason()}
}

// WorkReturned tells the machine that a critical drone holds nothing any
// more: it moves on to recovering, where the self-check runs.
func (h *Health) WorkReturned() Transition {
	if h.state != Critical {
		return Transition{h.state, h.state, h.Reason()}
	}
	return h.move(Recovering, []string{"running self-check"})
}

// SelfChecked records the self-check's verdict (passed is true when none
// is configured): a pass makes a recovering drone healthy with its crash
// count cleared; a failure keeps it recovering until a later check passes.
func (h *Health) SelfChecked(passed bool, detail string) Transition {
	if h.state != Recovering {
		return Transition{h.state, h.state, h.Reason()}
	}
	if !passed {
		return h.move(Recovering, []string{"self-check failed: " + detail})
	}
	h.crashes = 0
	return h.move(Healthy, nil)
}

// move sets the state and its reasons and returns the transition.
func (h *Health) move(to State, why []string) Transition {
	t := Transition{From: h.state, To: to, Reason: strings.Join(why, "; ")}
	h.state, h.reasons = to, why
	return t
}
