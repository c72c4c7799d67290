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
	return etaWorkOf(st, now).estimate()
}

// etaWork is what an estimate reads of a State: the able drones, the
// packages left and the learned build times. Taking it is a walk over the
// pending packages (12 ms of the 20-30 ms an estimate costs on a
// 100,000-package queue); a server takes it under the store's lock and
// makes the estimate after, so claims wait on the walk and not on the
// sort, the estimates and the scheduler's bound.
type etaWork struct {
	now     time.Time
	fleet   []schedule.Drone
	pending pendingSet
	known   map[string]time.Duration
}

func etaWorkOf(st *projections.State, now time.Time) etaWork {
	w := etaWork{now: now, pending: pendingOf(st), known: st.ExpectedAll()}
	for d := range st.Drones() {
		if d.Online && !d.GroundedAt(now) {
			w.fleet = append(w.fleet, schedule.Drone{ID: d.ID, Cores: max(int(d.Cores), 1)})
		}
	}
	return w
}

// estimate is EstimateETA of the State w was taken from; it reads no State.
func (w etaWork) estimate() (ETA, bool) {
	jobs, measured := w.pending.jobs(w.known)
	eta := ETA{Remaining: len(jobs), Measured: measured, Drones: len(w.fleet)}
	if len(jobs) == 0 || len(w.fleet) == 0 {
		return eta, false
	}
	b, err := schedule.LowerBound(jobs, w.fleet)
	if err != nil {
		return eta, false // a cycle cannot come from fresh's plan; no estimate rather than a wrong one
	}
	eta.Seconds = b.Max().Seconds()
	eta.At = w.now.Add(b.Max())
	return eta, true
}

// ETAReuse is how long a long-running server reuses an ETA. Estimating
// is the scheduler's bound over every package left (20-30 ms on a
// 100,000-package queue), while a forecast of hours moves nothing an
// operator could see in a few seconds; the next one is made in the
// background (ETAMemo.BeginReport).
const ETAReuse = 5 * time.Second

// ETAMemo reuses an estimate for ETAReuse. The zero value is ready; it is
// safe for concurrent use.
type ETAMemo struct {
	mu   sync.Mutex
	at   time.Time // when eta was estimated; zero: never
	eta  ETA
	ok   bool
	busy bool // a new estimate is being made in the background (BeginReport)
}

// refresh returns the estimate to report at now. Once the kept estimate
// is due, it is answered all the same while the work of a new one, returned with
// background true, is made after the answer; while that is under way the
// kept one is answered with no work. Only the first estimate (none kept
// yet) is the caller's to wait for.
func (m *ETAMemo) refresh(st *projections.State, now time.Time) (e ETA, ok bool, w *etaWork, background bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	due := m.at.IsZero() || now.Before(m.at) || now.Sub(m.at) >= ETAReuse
	if !due || m.busy {
		return m.eta, m.ok, nil, false
	}
	work := etaWorkOf(st, now)
	if m.at.IsZero() {
		return ETA{}, false, &work, false
	}
	m.busy = true
	return m.eta, m.ok, &work, true
}

// finish makes the estimate of w and keeps it for reuse.
func (m *ETAMemo) finish(w *etaWork) (ETA, bool) {
	e, ok := w.estimate()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.eta, m.ok, m.at, m.busy = e, ok, w.now, false
	return e, ok
}
