package commands

import (
	"sync"
	"time"

	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/schedule"
)

// ETA is when the farm expects to have built what is left of its queue.
type ETA struct {
	Remaining int       `json:"remaining"` // packages needed or building
	Measured  int       `json:"measured"`  // of those, with a learned build time
	Drones    int       `json:"drones"`    // the drones counted as working
	Seconds   float64   `json:"seconds"`   // from the moment of the estimate
	At        time.Time `json:"at"`
}

// EstimateETA estimates how long the drones able to work now (online, not
// grounded) take to build every package still needed or building, as the
// scheduler's lower bound: the longer of the remaining dependency chain on
// the fastest drone and the remaining core-time over the fleet's cores,
// with each package's learned build time (or its category's median, else
// the overall median: schedule.Estimates). The dispatcher reaches within a
// few percent of that bound in simulation (BENCHMARKS.md), so it is a fair
// forecast when the build times are; a build in progress counts whole.
// ok is false when nothing is left or no drone can work.
func EstimateETA(st *projections.State, now time.Time) (ETA, bool) {
	var fleet []schedule.Drone
	for d := range st.Drones() {
		if d.Online && !d.GroundedAt(now) {
			fleet = append(fleet, schedule.Drone{ID: d.ID, Cores: max(int(d.Cores), 1)})
		}
	}
	jobs, measured := PendingWork(st, st.ExpectedAll())
	eta := ETA{Remaining: len(jobs), Measured: measured, Drones: len(fleet)}
	if len(jobs) == 0 || len(fleet) == 0 {
		return eta, false
	}
	b, err := schedule.LowerBound(jobs, fleet)
	if err != nil {
		return eta, false // a cycle cannot come from fresh's plan; no estimate rather than a wrong one
	}
	eta.Seconds = b.Max().Seconds()
	eta.At = now.Add(b.Max())
	return eta, true
}

// ETAReuse is how long a long-running server reuses an ETA. Estimating
// is the scheduler's bound over every package left: about half of a status
// on a 100,000-package queue (20-30 ms), all of it under the store's lock
// that claims wait on, while a forecast of hours moves nothing an operator
// could see in a few seconds.
const ETAReuse = 5 * time.Second

// ETAMemo reuses an estimate for ETAReuse. The zero value is ready; it is
// safe for concurrent use.
type ETAMemo struct {
	mu  sync.Mutex
	at  time.Time // when eta was estimated; zero: never
	eta ETA
	ok  bool
}

// Estimate is EstimateETA(st, now), or the estimate made less than
// ETAReuse before now (its At and Seconds as they were then).
func (m *ETAMemo) Estimate(st *projections.State, now time.Time) (ETA, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.at.IsZero() || now.Before(m.at) || now.Sub(m.at) >= ETAReuse {
		m.eta, m.ok = EstimateETA(st, now)
		m.at = now
	}
	return m.eta, m.ok
}
