package commands

import (
	"maps"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/schedule"
)

// Learn records expected build times by package (cat/name), as learned
// from source (say, an emerge.log). A package whose expected time is
// already the same is skipped, so importing one log twice appends nothing
// the second time. The scheduler orders builds by these; the farm's own
// completed builds refine them.
func Learn(actor, source string, durations map[string]time.Duration) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		var evs []events.Event
		for _, cp := range slices.Sorted(maps.Keys(durations)) {
			d := durations[cp].Round(time.Millisecond)
			if d <= 0 {
				continue
			}
			if old, ok := st.Expected(cp); ok && old == d {
				continue
			}
			evs = append(evs, events.Event{Type: events.TypeDurationLearned, Actor: actor, Atom: cp,
				Count: uint64(d.Milliseconds()), Reason: source})
		}
		if len(evs) == 0 {
			return nil, nil
		}
		known := st.ExpectedAll()
		for _, e := range evs {
			known[e.Atom] = time.Duration(e.Count) * time.Millisecond
		}
		return append(evs, replan(st, known, actor, "build times learned from "+source)...), nil
	}
}

// replan plans the priorities of the packages still to build again with
// the build times known (the scheduler's remaining critical path, as fresh
// plans them), and returns a reprioritized event for each whose priority
// changed: without it, times learned after a fresh never reached the
// dispatch order of what was already queued.
func replan(st *projections.State, known map[string]time.Duration, actor, reason string) []events.Event {
	jobs, _ := PendingWork(st, known)
	prio, err := schedule.Priorities(jobs)
	if err != nil {
		return nil // a cycle cannot come from fresh's plan; keep the priorities it gave
	}
	var evs []events.Event
	for i, j := range jobs {
		p, _ := st.Package(j.ID)
		if ms := uint64(prio[i].Milliseconds()); ms != uint64(p.Priority.Milliseconds()) {
			evs = append(evs, events.Event{Type: events.TypeReprioritized, Actor: actor, Atom: j.ID,
				Priority: ms, Reason: reason})
		}
	}
	return evs
}
