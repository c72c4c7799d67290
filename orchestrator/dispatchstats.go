package orchestrator

import (
	"net/http"
	"sync"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// dispatchStats counts what the dispatcher decided, served at
// api.DispatchPath, so that a test can wait for evidence that a drone's
// claims were considered (and refused) instead of sleeping and hoping.
type dispatchStats struct {
	mu sync.Mutex
	s  api.DispatchStats
}

// round records one round: requests[i] got grants[i], decided against the
// log up to seq.
func (d *dispatchStats) round(seq uint64, requests []string, grants []commands.Grant) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.s.Drones == nil {
		d.s.Drones = map[string]api.DroneDispatch{}
	}
	d.s.Rounds++
	d.s.Seq = seq
	for i, id := range requests {
		dd := d.s.Drones[id]
		dd.Asked++
		if i < len(grants) && grants[i].Atom != "" {
			dd.Granted++
		}
		dd.Seq = seq
		d.s.Drones[id] = dd
	}
}

// decidedAt wraps d to keep, in *seq, the log's last event of the state it
// decides against (the last try's, if the store tried again). It is read
// under the store's lock, as the decider runs; the state itself is the
// store's and may change once Execute returns.
func decidedAt(seq *uint64, d commands.Decider) commands.Decider {
	return func(st *projections.State) ([]events.Event, error) {
		*seq = st.Seq
		return d(st)
	}
}

// snapshot returns a copy of the counts.
func (d *dispatchStats) snapshot() api.DispatchStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.s
	out.Drones = make(map[string]api.DroneDispatch, len(d.s.Drones))
	for id, dd := range d.s.Drones {
		out.Drones[id] = dd
	}
	return out
}

// handleDispatch serves the dispatcher's counts, a read view like the others.
func (s *Server) handleDispatch(w http.ResponseWriter, r *http.Request) {
	if !s.viewAllowed(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, s.stats.snapshot())
}
