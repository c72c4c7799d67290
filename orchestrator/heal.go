package orchestrator

import (
	"context"
	"time"
)

// Backoff of the attempts to reopen a broken log: from healFirst doubling
// to healMax, so a disk freed is noticed within seconds and a disk that
// stays full costs a probe every few seconds.
const (
	healFirst = 100 * time.Millisecond
	healMax   = 5 * time.Second
	// healPoll is how often the loop looks at a log no failed call told it
	// about (another path broke it).
	healPoll = 2 * time.Second
)

// appendFailed wakes the heal loop: an append failed, perhaps because the
// log can no longer be written.
func (s *Server) appendFailed() {
	select {
	case s.broke <- struct{}{}:
	default:
	}
}

// healLoop reopens the event log when a write to it failed (the disk full):
// while the log is broken nothing is acknowledged and /v1/health answers
// 503 with the reason; the loop tries to reopen it with backoff until it
// succeeds, then wakes the dispatcher. No restart is needed.
func (s *Server) healLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.broke:
		case <-time.After(healPoll):
		}
		cause := s.store.Broken()
		if cause == nil {
			continue
		}
		s.log.Error("the event log cannot be written; acknowledging nothing until it can", "err", cause)
		for wait := healFirst; s.store.Broken() != nil; wait = min(2*wait, healMax) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			if err := s.store.Recover(ctx); err != nil {
				s.log.Warn("the event log is still not writable", "err", err, "next_try", min(2*wait, healMax))
				continue
			}
			s.log.Info("the event log is writable again; serving", "was", cause)
			s.changed()
		}
	}
}
