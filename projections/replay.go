package projections

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/swarm-build/swarm/events"
)

// ErrGap: the source skipped a sequence number, so the State it would build
// is not the fold of the log (for example a snapshot from another log).
var ErrGap = errors.New("event sequence has a gap")

// Source yields a log's events from sequence number from on, in order. The
// *Event it yields may be reused between iterations.
type Source interface {
	Events(ctx context.Context, from uint64) iter.Seq2[*events.Event, error]
}

// Replay applies src's events after from.Seq to from (New() when nil) and
// returns it, stopping after seq until (0: at the end of the log). from is
// modified: Clone it first to keep it. A from already past until is
// returned as it is (load it with LoadLatest(dir, until, …) to avoid that).
// On error the returned State is
// whole as of its Seq (every event is applied entirely or not at all).
func Replay(ctx context.Context, src Source, from *State, until uint64) (*State, error) {
	s := from
	if s == nil {
		s = New()
	}
	if until != 0 && s.Seq >= until {
		return s, nil
	}
	n := 0
	for e, err := range src.Events(ctx, s.Seq+1) {
		if err != nil {
			return s, fmt.Errorf("replay after seq %d: %w", s.Seq, err)
		}
		if e.Seq != s.Seq+1 {
			return s, fmt.Errorf("%w: after seq %d came %d", ErrGap, s.Seq, e.Seq)
		}
		s.Apply(e)
		if until != 0 && s.Seq >= until {
			break
		}
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return s, fmt.Errorf("replay stopped at seq %d: %w", s.Seq, err)
			}
		}
	}
	return s, nil
}
