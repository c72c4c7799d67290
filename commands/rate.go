package commands

import (
	"time"

	"github.com/swarm-build/swarm/projections"
)

// RatePerHour is the farm's build rate at now: builds completed in the
// hour before now. The projection's own figure is the hour before the
// last event, so a farm that stopped three hours ago still showed its
// last rate; the window here is the real one, ending now.
func RatePerHour(st *projections.State, now time.Time) float64 {
	cutoff := now.Add(-time.Hour)
	n := 0
	for _, t := range st.RecentCompletions() {
		if t.After(cutoff) && !t.After(now) {
			n++
		}
	}
	return float64(n)
}
