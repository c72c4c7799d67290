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
// other reasons leave no event. A failure to record is logged: the
// refusal itself stands either way.
func (s *Server) recordRefused(verb string, err error) {
	sr, ok := errors.AsType[*commands.StaleReport](err)
	if !ok || !sr.Fenced() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), refusedTimeout)
	defer cancel()
	if _, err := s.execute(ctx, commands.RefuseReport(verb, sr)); err != nil {
		s.log.Error("could not record a refused report", "drone", sr.Drone, "atom", sr.Atom, "err", err)
	}
}
