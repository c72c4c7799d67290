package drone

import (
	"context"
	"errors"
	"time"

	"github.com/swarm-build/swarm/api"
)

// deliver makes one report about b (complete, fail or return) reach the
// orchestrator (see send); how it ended is logged there.
func (a *Agent) deliver(b *build, what string, call func(context.Context) error) {
	_ = a.send(b, what, call)
}

// send makes one call about b (a report or an upload) reach the
// orchestrator. A completion must never be lost silently, so it retries
// with backoff while the orchestrator cannot be reached or answers 5xx,
// until it is recorded (nil), refused as stale (the package was
// reclaimed: nothing to tell), refused for good (a 4xx: the same call
// cannot succeed later), the claim is dropped, or its lease is certainly
// lost; those end with the error. While aborting it makes one short last
// try instead.
func (a *Agent) send(b *build, what string, call func(context.Context) error) error {
	bo := newBackoff(a.retryMin, a.retryMax)
	log := a.log.With("report", what, "atom", b.claim.Atom, "fence", b.claim.Fence)
	for attempt := 1; ; attempt++ {
		final := a.aborting()
		timeout := callTimeout
		if final {
			timeout = abortCallTimeout
		}
		gen := a.generation()
		ctx, cancel := context.WithTimeout(b.ctx, timeout)
		err := call(ctx)
		cancel()
		switch {
		case err == nil:
			log.Info("reported")
			return nil
		case errors.Is(err, api.ErrStaleFence):
			log.Info("the orchestrator reclaimed this package meanwhile; report dropped")
			return err
		case b.ctx.Err() != nil:
			log.Info("claim dropped by the orchestrator; report dropped")
			return err
		case errors.Is(err, api.ErrUnauthorized):
			a.setFatal(err)
			return err
		case errors.Is(err, api.ErrRejected):
			log.Warn("the orchestrator rejected the package and took it back", "err", err)
			return err
		case errors.Is(err, api.ErrBadRequest), errors.Is(err, api.ErrRefused):
			log.Error("the orchestrator refused the report", "err", err)
			return err
		case errors.Is(err, api.ErrNotRegistered) && !final:
			a.reregister(a.ctx, gen)
			continue
		case final:
			log.Warn("could not report while shutting down; the package returns to the queue when its lease expires", "err", err)
			return err
		case a.leaseLost(b):
			log.Error("giving up the report: the lease has certainly expired, the package is queued again", "err", err)
			return err
		}
		d := bo.delay()
		log.Warn("cannot report; retrying", "attempt", attempt, "in", d.Round(time.Millisecond), "err", err)
		select {
		case <-time.After(d):
		case <-a.ctx.Done(): // aborting: one last try
		case <-b.ctx.Done():
		}
	}
}

// leaseLost reports whether b's lease has run out since it was last
// renewed: the orchestrator has reclaimed it, or will as soon as it runs.
func (a *Agent) leaseLost(b *build) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	lease := time.Duration(b.claim.LeaseMS) * time.Millisecond
	if lease <= 0 {
		lease = a.leaseLocked()
	}
	return time.Since(b.renewed) > lease
}
