package orchestrator

import (
	"context"
	"errors"
	"time"

	"github.com/swarm-build/swarm/commands"
)

// refusedTimeout bounds recording a refused report: the drone's answer
// (409) does not wait for more.
const refusedTimeout = 10 * time.Second

// recordRefused records a drone's report that the fence refused because
// another claim on its package was granted since (report_refused), so
// that the log shows the duplicate claim it kept out. Reports refused for
// other reasons, or naming a claim the drone never held, leave no event.
// A failure to record is logged: the refusal itself stands either way.
func (s *Server) recordRefused(verb string, err error) {
	sr, ok := errors.AsType[*commands.StaleReport](err)
	if !ok || !sr.Fenced() {
		return
	}
	s.recordRefusal(verb, sr.Atom, sr.Drone, sr.Fence)
}

// recordDrops records the builds a heartbeat was told to drop whose claim
// was given to another since (see recordRefused).
func (s *Server) recordDrops(drone string, drops []commands.Dropped) {
	for _, d := range drops {
		s.recordRefusal("heartbeat", d.Atom, drone, d.Fence)
	}
}

func (s *Server) recordRefusal(verb, atom, drone string, fence uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), refusedTimeout)
	defer cancel()
	if err := s.store.RecordRefusal(ctx, verb, atom, drone, fence); err != nil {
		s.appendFailed()
		s.log.Error("could not record a refused report", "drone", drone, "atom", atom, "err", err)
		return
	}
	s.changed()
}
