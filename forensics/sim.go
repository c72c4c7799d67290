package forensics

import (
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// sim is one what-if run: the recorded history folded as it was (rec) and
// as the new rules would have had it (st).
type sim struct {
	w        WhatIf
	rules    commands.Rules // w.Rules as the simulation applies them
	leases   bool           // lapses are judged again
	rec, st  *projections.State
	start    time.Time // the first event: the orchestrator's start
	prev     events.Event
	dropped  map[uint64]bool // fences of recorded claims the new rules refused
	recT, wT Tally
	diffs    []string
	first    time.Time // first claim
	lastRec  time.Time // last recorded completion
	lastSim  time.Time // last completion the simulation kept
	// ruleNotes say where the recorded settings changed the rules in
	// force (inforce.go).
	ruleNotes []string
}

func newSim(w WhatIf, renewals bool) *sim {
	return &sim{w: w, rules: simRules(w.Rules), leases: renewals, rec: projections.New(), st: projections.New(), dropped: map[uint64]bool{}}
}

// simRules are rules r as the simulation applies them. Whether a drone is
// alive is the world's, not a rule's: offline is taken as recorded.
// Stalls are judged from progress reports that a quiet log no longer
// holds: taken as recorded too (their failures, and what those cost, are
// judged again).
func simRules(r commands.Rules) commands.Rules {
	r.Heartbeat, r.StallAfter = 0, 0
	return r
}

// step takes the next recorded event.
func (s *sim) step(e events.Event) {
	defer func() { s.prev = e }()
	s.tallyRecorded(&e)
	s.rec.Apply(&e)
	if e.Type == events.TypeConfigChanged {
		s.inForce(&e)
	}
	if s.start.IsZero() {
		s.start = e.Time
	}
	s.sweep(e.Time)
	if decision(&e, &s.prev, s.leases) {
		return
	}
	switch e.Type {
	case events.TypeClaimed:
		s.claimed(e)
	case events.TypeLeaseRenewed:
		e.Lease = s.lease(e.Lease)
		s.apply(e.Time, e)
	case events.TypeFailed:
		s.failed(e)
	case events.TypeDroneOffline:
		s.apply(e.Time, e)
		if d, ok := s.st.Drone(e.Drone); ok {
			for _, atom := range slices.Clone(d.Tasks) {
				s.decide(e.Time, commands.Reclaim(atom, "drone "+e.Drone+" offline"))
			}
		}
	case events.TypeCompleted, events.TypeReturned, events.TypeBinpkgUploaded, events.TypePromoted,
		events.TypeRejected, events.TypeStartFailed:
		// The build's reports count only while the simulated farm still
		// holds it as the recorded claim: the orchestrator refuses the rest.
		if !s.building(e) {
			if e.Type == events.TypeCompleted && !s.dropped[e.Fence] {
				s.diff(&e, fmt.Sprintf("build of %s by %s lost: its claim had been taken back", e.Atom, e.Drone))
			}
			return
		}
		s.apply(e.Time, e)
	default:
		s.apply(e.Time, e)
	}
}

// sweep runs the orchestrator's periodic sweep at now: cooldowns and,
// when they can be judged, lapsed leases.
func (s *sim) sweep(now time.Time) {
	if s.st.Seq > 0 {
		s.decide(now, commands.Maintain(s.rules, now, s.start, nil))
	}
}

// lease is the lease a recorded claim or renewal gets in the simulation.
func (s *sim) lease(recorded time.Duration) time.Duration {
	switch {
	case !s.leases:
		return forever
	case s.w.Rules.Lease != s.w.Recorded.Lease && s.w.Rules.Lease > 0:
		return s.w.Rules.Lease
	}
	return recorded
}

// claimed takes a recorded claim unless the new rules would have refused it.
func (s *sim) claimed(e events.Event) {
	p, ok := s.st.Package(e.Atom)
	d, dok := s.st.Drone(e.Drone)
	var why string
	switch {
	case s.st.Paused != nil && s.st.Paused.Signature != "":
		why = fmt.Sprintf("the farm was paused for a systemic %q", s.st.Paused.Signature)
	case s.st.Paused != nil:
		why = "the farm was paused (" + s.st.Paused.Reason + ")"
	case dok && d.GroundedAt(e.Time):
		why = e.Drone + " was grounded"
	case ok && p.State != projections.Needed:
		why = fmt.Sprintf("%s was %s", e.Atom, p.State)
	}
	if why != "" {
		s.dropped[e.Fence] = true
		s.wT.RefusedClaims++
		s.diff(&e, fmt.Sprintf("claim of %s by %s refused: %s", e.Atom, e.Drone, why))
		return
	}
	e.Lease = s.lease(e.Lease)
	s.apply(e.Time, e)
}

// failed judges a recorded failure again, if its build happened.
func (s *sim) failed(e events.Event) {
	if s.dropped[e.Fence] {
		return
	}
	if !s.building(e) {
		return // the simulation already took the build back
	}
	f := commands.Failure{Signature: e.Signature, Reason: e.Reason, Excerpt: e.Excerpt}
	s.decide(e.Time, commands.Fail(s.rules, e.Time, e.Drone, e.Atom, e.Fence, f))
}

func (s *sim) building(e events.Event) bool {
	p, _ := s.st.Package(e.Atom)
	return p.State == projections.Building && p.Fence == e.Fence && p.Drone == e.Drone
}

// decide runs d on the simulated state at now and applies what it yields.
func (s *sim) decide(now time.Time, d commands.Decider) {
	evs, err := d(s.st)
	if err != nil {
		return // as the orchestrator would: the request is refused
	}
	for _, e := range evs {
		s.apply(now, e)
	}
}

// apply folds e into the simulated state and counts it.
func (s *sim) apply(now time.Time, e events.Event) {
	e.Seq, e.Time = s.st.Seq+1, now
	s.tally(&s.wT, &e, &s.lastSim)
	s.st.Apply(&e)
}

func (s *sim) tallyRecorded(e *events.Event) {
	if e.Type == events.TypeClaimed && s.first.IsZero() {
		s.first = e.Time
	}
	s.tally(&s.recT, e, &s.lastRec)
}

// tally counts e's decisions into t.
func (s *sim) tally(t *Tally, e *events.Event, last *time.Time) {
	switch e.Type {
	case events.TypeGrounded:
		if e.Actor == commands.ActorOrchestrator {
			t.Groundings++
			t.GroundedDrones = append(t.GroundedDrones, e.Drone)
		}
	case events.TypeReclaimed:
		t.Reclaims++
	case events.TypeQueuePaused:
		if e.Signature != "" {
			t.Pauses++
		}
	case events.TypeFailed:
		if e.Final {
			t.FailedForGood++
		}
	case events.TypeCompleted:
		t.Built++
		*last = e.Time
	}
}

func (s *sim) diff(e *events.Event, text string) {
	const most = 50
	if len(s.diffs) < most {
		s.diffs = append(s.diffs, fmt.Sprintf("seq %d (%s): %s", e.Seq, e.Time.Format(time.RFC3339), text))
	}
}
