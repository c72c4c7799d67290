package forensics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// WhatIf re-runs a recorded history through the farm's decision rules
// (package commands: the failure rules, the breaker, the systemic pause,
// lease expiry, grounding cooldowns) with other settings, and tells what
// would have differed.
//
// What the world did is taken as recorded: which drone claimed which
// package when, which builds failed (with what signature) or succeeded,
// uploads, heartbeats, drones going silent, operators' commands. What the
// farm decided about it is decided again: whether a failure grounds its
// drone or pauses the farm or fails the package for good, when a grounding
// is lifted, whether a claim's lease ran out. A recorded claim the new
// rules would have refused (its drone grounded, the farm paused, the
// package already failed) is dropped with everything that build did; the
// work another drone would have done instead is not invented.
type WhatIf struct {
	Recorded commands.Rules // the settings in force when the log was recorded
	Rules    commands.Rules // the settings to try
	// Base and Tried, when Base is set, make the rules follow the log:
	// at each config_changed event the decision rules it records are set
	// over Base (config.toml's text) to give the rules then in force
	// (Recorded), and Tried (the what-if's key=value settings) over those
	// to give the rules tried (Rules).
	Base  []byte
	Tried []string
}

// Tally counts a history's decisions.
type Tally struct {
	Groundings     int      `json:"groundings"`      // by the circuit breaker
	Reclaims       int      `json:"reclaims"`        // claims taken back (lease, drone offline, grounding)
	Pauses         int      `json:"pauses"`          // systemic pauses
	FailedForGood  int      `json:"failed_for_good"` // packages failed, not retried
	Built          int      `json:"built"`           // builds completed
	RefusedClaims  int      `json:"refused_claims"`  // recorded claims the rules would have refused
	GroundedDrones []string `json:"grounded_drones"`
}

// WhatIfReport is what WhatIf.Run found.
type WhatIfReport struct {
	Recorded Tally `json:"recorded"`
	WhatIf   Tally `json:"what_if"`
	// Redecided and AsRecorded say, in words, what was judged again and
	// what was taken from the log.
	Redecided  []string `json:"re_decided"`
	AsRecorded []string `json:"as_recorded"`
	// Differences are the decisions that came out otherwise, in log order.
	Differences []string `json:"differences"`
	// MakespanS is the recorded history's first claim to last completed
	// build, in seconds; WhatIfMakespanS the same under the new rules when
	// it can be simulated (no recorded work was refused), else null.
	MakespanS       float64  `json:"makespan_s"`
	WhatIfMakespanS *float64 `json:"what_if_makespan_s"`
	MakespanNote    string   `json:"makespan_note"`
	// RulesInForce say where the log's recorded settings (config_changed)
	// changed the rules the history was judged by, in log order.
	RulesInForce []string `json:"rules_in_force"`
	Seq          uint64   `json:"seq"` // the last event replayed
}

// forever stands in for a lease when the log cannot say when a claim would
// have lapsed (it records no renewals), so none lapses but as recorded.
const forever = 100 * 365 * 24 * time.Hour

// Run replays src's events up to until (0: all) under w.Rules.
func (w WhatIf) Run(ctx context.Context, src projections.Source, until uint64) (WhatIfReport, error) {
	renewals, err := hasRenewals(ctx, src, until)
	if err != nil {
		return WhatIfReport{}, err
	}
	s := newSim(w, renewals)
	for e, err := range src.Events(ctx, 1) {
		if err != nil {
			return WhatIfReport{}, fmt.Errorf("read the log: %w", err)
		}
		if until != 0 && e.Seq > until {
			break
		}
		s.step(*e)
	}
	return s.report(), nil
}

// hasRenewals reports whether the log records lease renewals. A log from
// a server that renews leases silently (issue 10) does not; then lapses
// cannot be judged again, only taken as recorded.
func hasRenewals(ctx context.Context, src projections.Source, until uint64) (bool, error) {
	for e, err := range src.Events(ctx, 1) {
		if err != nil {
			return false, fmt.Errorf("read the log: %w", err)
		}
		if until != 0 && e.Seq > until {
			break
		}
		if e.Type == events.TypeLeaseRenewed {
			return true, nil
		}
	}
	return false, nil
}

// decision reports whether a recorded event was the farm's own judgment,
// which the simulation makes again instead of taking it. prev is the
// event recorded before it.
func decision(e, prev *events.Event, leases bool) bool {
	if e.Actor != commands.ActorOrchestrator {
		return false
	}
	switch e.Type {
	case events.TypeGrounded:
		// A drone that could not start its builds is grounded by start.go,
		// taken as recorded with the start failure.
		return !(prev.Type == events.TypeStartFailed && prev.Drone == e.Drone)
	case events.TypeUngrounded:
		return e.Reason == "cooldown over"
	case events.TypeQueuePaused:
		return e.Signature != ""
	case events.TypeEnqueued:
		return strings.HasPrefix(e.Reason, "systemic failure")
	case events.TypeReclaimed:
		switch {
		case strings.HasSuffix(e.Reason, " offline"), strings.HasSuffix(e.Reason, " grounded"):
			return true
		case e.Reason == "lease expired":
			return leases
		}
	}
	return false
}

func describeRules(r commands.Rules) string {
	return fmt.Sprintf("ground_after=%d ground_for=%s lease=%s fail_after_drones=%d systemic_fraction=%g systemic_window=%s",
		r.GroundAfter, r.GroundFor, r.Lease, r.FailAfterDrones, r.SystemicFraction, r.SystemicWindow)
}
