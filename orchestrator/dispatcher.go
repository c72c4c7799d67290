package orchestrator

import (
	"context"
	"sync"
	"time"

	"github.com/swarm-build/swarm/commands"
)

// claimReq is a drone's claim waiting in the dispatcher.
type claimReq struct {
	ctx      context.Context // the HTTP request's: a drone that hung up is dropped
	drone    string
	deadline time.Time           // answer with no claim at this time
	reply    chan commands.Grant // buffered: the dispatcher never blocks on it

	mu   sync.Mutex
	gone bool // the waiter stopped waiting: nobody will read reply
}

// deliver hands g to the waiter. It reports false when the waiter has gone
// (its drone hung up): then nobody will ever tell the drone about g, and
// the caller must undo a grant.
func (r *claimReq) deliver(g commands.Grant) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gone {
		return false
	}
	r.reply <- g
	return true
}

// abandon marks the waiter gone and returns an answer delivered before it
// went, which its drone will never see either.
func (r *claimReq) abandon() (commands.Grant, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gone = true
	select {
	case g := <-r.reply:
		return g, true
	default:
		return commands.Grant{}, false
	}
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
				r.deliver(commands.Grant{Drone: r.drone, Reason: "orchestrator shutting down"})
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
	if !s.leading() { // lost leadership: the drones ask the leader
		for _, r := range live {
			r.deliver(commands.Grant{Drone: r.drone, Err: errNotLeader})
		}
		return nil
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
			if !r.deliver(g) {
				s.undo(g)
			}
			continue
		}
		still = append(still, r)
	}
	return still
}

// claim waits in the dispatcher for a grant for drone, up to wait, or until
// ctx ends (the drone hung up, or gave up waiting). A claim decided for a
// drone that is no longer listening is given back at once, so its package
// does not sit idle under a lease nobody renews.
func (s *Server) claim(ctx context.Context, drone string, wait time.Duration) commands.Grant {
	s.claiming.Add(1)
	defer s.claiming.Add(-1)
	r := &claimReq{ctx: ctx, drone: drone, deadline: time.Now().Add(min(wait, s.opts.MaxWait)),
		reply: make(chan commands.Grant, 1)}
	select {
	case s.claims <- r:
	case <-s.done:
		return commands.Grant{Drone: drone, Reason: "orchestrator shutting down"}
	case <-ctx.Done():
		return commands.Grant{Drone: drone, Reason: "request cancelled"}
	}
	select {
	case g := <-r.reply:
		return g
	case <-ctx.Done():
		if g, ok := r.abandon(); ok {
			s.undo(g)
		}
		return commands.Grant{Drone: drone, Reason: "request cancelled"}
	}
}

// undoReason is the reason of a return made for a drone that hung up.
const undoReason = "claim not delivered: the drone stopped waiting"

// undo gives back a claim granted to a waiter that went away before it was
// told: the drone never learns it holds the package, so the server returns
// it in the drone's name. A refusal or an empty answer needs nothing.
func (s *Server) undo(g commands.Grant) {
	if g.Atom == "" || g.Err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.execute(ctx, commands.Return(g.Drone, g.Atom, g.Fence, undoReason)); err != nil {
		// The lease still brings it back, only later.
		s.log.Error("giving back an undelivered claim", "drone", g.Drone, "atom", g.Atom, "err", err)
	}
}
