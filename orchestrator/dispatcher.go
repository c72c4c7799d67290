package orchestrator

import (
	"context"
	"sync"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// claimReq is a drone's claim waiting for its answer: in a forming round,
// then, if that found nothing it may take, in the dispatcher.
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

// dispatcher owns the claims that wait for work (parked: a forming round
// found nothing they may take). A round decides every waiting claim at
// once; it runs when a claim arrives, when the server appended anything
// while claims wait, and every roundEvery. Claims granted or refused for
// good are answered; the rest wait for the next round or their deadline.
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
			s.parked.Add(-int64(len(waiting)))
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
		} else {
			s.parked.Add(-1)
		}
	}
	if len(live) == 0 {
		return live
	}
	if !s.leading() { // lost leadership: the drones ask the leader
		for _, r := range live {
			r.deliver(commands.Grant{Drone: r.drone, Err: errNotLeader})
		}
		s.parked.Add(-int64(len(live)))
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
	var still []*claimReq
	s.answer(live, grants, now, func(r *claimReq) { still = append(still, r) })
	s.parked.Add(-int64(len(live) - len(still)))
	return still
}

// claim waits for a grant for drone, up to wait, or until ctx ends (the
// drone hung up, or gave up waiting). A claim decided for a drone that is
// no longer listening is given back at once, so its package does not sit
// idle under a lease nobody renews.
//
// A claim is first decided in a forming round (join): with nobody waiting,
// the dispatcher's goroutine would only be a hand-off on the way to the
// store and back. One that gets nothing it may take waits in the
// dispatcher; while any claim waits there, a new claim joins them, so none
// overtakes a claim that waited longer.
func (s *Server) claim(ctx context.Context, drone string, wait time.Duration) commands.Grant {
	s.claiming.Add(1)
	defer s.claiming.Add(-1)
	r := &claimReq{ctx: ctx, drone: drone, deadline: time.Now().Add(min(wait, s.opts.MaxWait)),
		reply: make(chan commands.Grant, 1)}
	if s.closing.Load() {
		return commands.Grant{Drone: drone, Reason: "orchestrator shutting down"}
	}
	if s.parked.Load() > 0 {
		s.park(r)
	} else {
		s.join(ctx, r)
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

// park hands r to the dispatcher to wait for work. parked counts it from
// before the hand-over, so a change appended meanwhile kicks the
// dispatcher (changed), whose next round sees it.
func (s *Server) park(r *claimReq) {
	s.parked.Add(1)
	select {
	case s.claims <- r:
	case <-s.done:
		s.parked.Add(-1)
		r.deliver(commands.Grant{Drone: r.drone, Reason: "orchestrator shutting down"})
	}
}

// forming is a round of claims that the store has not decided yet.
// Claims join it until its decider runs (in the committer's batch, under
// the store's lock); then it is closed, and the next claim starts the next
// round. So a claim that arrives while the store is busy (an fsync of
// other drones' reports) waits for that batch and its own, never for a
// whole round that began before it, and the claims that arrive together
// are still decided together: the biggest drone chooses first.
type forming struct {
	reqs   []*claimReq
	closed bool
}

// join adds r to the forming round, or starts one and runs it in the
// caller's goroutine: the claim that starts a round carries it to the
// store and answers every claim in it.
func (s *Server) join(ctx context.Context, r *claimReq) {
	s.formMu.Lock()
	if f := s.form; f != nil {
		f.reqs = append(f.reqs, r)
		s.formMu.Unlock()
		return
	}
	f := &forming{reqs: []*claimReq{r}}
	s.form = f
	s.formMu.Unlock()
	s.runForming(context.WithoutCancel(ctx), f)
}

// close ends f's forming and returns its claims that still wait (a drone
// that hung up is not decided). It is idempotent: a batch the store
// decides again (another process appended first) decides the same claims.
func (s *Server) close(f *forming) []*claimReq {
	s.formMu.Lock()
	defer s.formMu.Unlock()
	if !f.closed {
		f.closed = true
		if s.form == f {
			s.form = nil
		}
		live := f.reqs[:0]
		for _, r := range f.reqs {
			if r.ctx.Err() == nil {
				live = append(live, r)
			}
		}
		f.reqs = live
	}
	return f.reqs
}

// runForming decides f in the store's next batch and answers its claims:
// granted, refused for good, or past their deadline; the rest wait in the
// dispatcher. A round the store could not decide waits there too, to be
// tried again.
func (s *Server) runForming(ctx context.Context, f *forming) {
	if !s.leading() {
		for _, r := range s.close(f) {
			r.deliver(commands.Grant{Drone: r.drone, Err: errNotLeader})
		}
		return
	}
	rules := s.rules()
	var (
		drones []string
		grants []commands.Grant
		seq    uint64
		now    time.Time
	)
	_, err := s.execute(ctx, decidedAt(&seq, func(st *projections.State) ([]events.Event, error) {
		if drones == nil { // the first try closes the round; a second decides the same claims
			reqs := s.close(f)
			drones, now = make([]string, len(reqs)), time.Now()
			for i, r := range reqs {
				drones[i] = r.drone
			}
		}
		return commands.Dispatch(rules, now, drones, &grants)(st)
	}))
	reqs := s.close(f) // closed already, unless the store failed before deciding
	if err != nil || len(grants) != len(reqs) {
		if err != nil && ctx.Err() == nil {
			s.log.Error("dispatch", "err", err)
		}
		for _, r := range reqs {
			s.park(r)
		}
		return
	}
	if len(reqs) == 0 {
		return
	}
	s.stats.round(seq, drones, grants)
	s.answer(reqs, grants, now, s.park)
}

// answer tells each claim its grant when it was granted, refused for good
// (an error), or has waited until its deadline; the others are handed to
// wait. Grants nobody hears of anymore are given back after the others
// are told.
func (s *Server) answer(reqs []*claimReq, grants []commands.Grant, now time.Time, wait func(*claimReq)) {
	var lost []commands.Grant
	for i, r := range reqs {
		g := grants[i]
		if g.Atom != "" || g.Err != nil || !now.Before(r.deadline) {
			if !r.deliver(g) {
				lost = append(lost, g)
			}
			continue
		}
		wait(r)
	}
	for _, g := range lost {
		s.undo(g)
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
