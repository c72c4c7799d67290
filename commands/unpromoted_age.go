package commands

import (
	"time"

	"github.com/swarm-build/swarm/projections"
)

// UnpromotedAge counts the built packages with no promoted build in the
// index, however recent, and how long before now the oldest of them was
// built (0 when there is none): the figure an alert on "built but not
// promoted" watches, of which Unpromoted names those past PromoteWithin.
func UnpromotedAge(st *projections.State, now time.Time) (n int, oldest time.Duration) {
	for p := range st.BuiltUnpromoted() {
		n++
		if at := p.BuiltAt(); !at.IsZero() {
			oldest = max(oldest, now.Sub(at))
		}
	}
	return n, oldest
}
