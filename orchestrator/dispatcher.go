package orchestrator

import (
	"context"
	"time"

	"github.com/swarm-build/swarm/commands"
)

// claimReq is a drone's claim waiting in the dispatcher.
type claimReq struct {
	ctx      context.Context // the HTTP request's: a drone that hung up is dropped
	drone    string
	deadline time.Time // answer with no claim at this time
	reply    chan commands.Grant
}

// roundEvery is how often waiting claims are retried without a wake-up, so
// a change another process appended (an enqueue from the CLI) is seen
// within a second.
const roundEvery = 500 * time.Millisecond

// dispatcher owns the waiting claims. A round decides every waiting claim
// at once; it runs when a claim arrives, when the server appended anything,
// and every roundEvery. Claims granted or refused for good are answered;
// the rest wait for the next round or their deadline.
func (s *Server) dispatcher(ctx context.Context) {
	var waiting []*claimReq
	timer := time.NewTimer(roundEvery)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			for _, r := range waiting {
				r.reply <- commands.Grant{Drone: r.drone, Reason: "orchestrator shutting down"}
			}
			return
		case r := <-s.claims:
			waiting = append(waiting, r)
			for more := true; more; { // take every claim already queued into this round
				select {
				case r := <-s.claims:
					waiting = append(waiting, r)
				default:
					more = false
				}
			}
		case <-s.kick:
		case <-timer.C:
		}
		waiting = s.round(ctx, waiting)
		timer.Reset(roundEvery)
	}
}

// round decides the waiting claims and returns those still waiting.
func (s *Server) round(ctx context.Context, waiting []*claimReq) []*claimReq {
	live := waiting[:0]
	for _, r := range waiting {
		if r.ctx.Err() == nil {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return live
	}
	drones := make([]string, len(live))
	for i, r := range live {
		drones[i] = r.drone
	}
	var grants []commands.Grant
	now := time.Now()
	var seq uint64
	if _, err := s.execute(ctx, decidedAt(&seq, commands.Dispatch(s.rules(), now, drones, &grants))); err != nil {
		if ctx.Err() == nil {
			s.log.Error("dispatch", "err", err)
		}
		return live // try again next round
	}
	s.stats.round(seq, drones, grants)
	still := live[:0]
	for i, r := range live {
		g := grants[i]
		if g.Atom != "" || g.Err != nil || !now.Before(r.deadline) {
			r.reply <- g
			continue
		}
		still = append(still, r)
	}
	return still
}

// claim waits in the dispatcher for a grant for drone, up to wait.
func (s *Server) claim(ctx context.Context, drone string, wait time.Duration) commands.Grant {
	r := &claimReq{ctx: ctx, drone: drone, deadline: time.Now().Add(min(wait, s.opts.MaxWait)),
		reply: make(chan commands.Grant, 1)}
	select {
	case s.claims <- r:
	case <-s.done:
		return commands.Grant{Drone: drone, Reason: "orchestrator shutting down"}
	case <-ctx.Done():
		return commands.Grant{Drone: drone, Reason: "request cancelled"}
	}
	// Once queued, the dispatcher answers every request (granted, refused,
	// timed out or shutting down), so wait for that answer: a grant made
	// as the drone hung up is left to its lease.
	return <-r.reply
}
