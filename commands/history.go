package commands

import (
	"maps"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
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
		return evs, nil
	}
}
