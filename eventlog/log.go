package eventlog

import (
	"context"
	"iter"

	"github.com/swarm-build/swarm/events"
)

// Log is an event log, whichever backend holds it. It is safe for concurrent
// use by many goroutines.
type Log interface {
	// Append appends evs after whatever the log holds, atomically and
	// durably, and returns the last one's sequence number. It fills in each
	// event's Seq, and its Time when zero.
	Append(ctx context.Context, evs ...events.Event) (uint64, error)
	// AppendIf is Append on the condition that the log's last sequence
	// number is still expect; otherwise it writes nothing and fails with an
	// error wrapping events.ErrConflict.
	AppendIf(ctx context.Context, expect uint64, evs ...events.Event) (uint64, error)
	// Last is the sequence number of the last event in the log (0: empty).
	Last(ctx context.Context) (uint64, error)
	// Events yields the events with Seq >= from that the log holds now, in
	// order. The *Event may be reused between iterations. Iteration stops at
	// the first error, yielded with a nil event.
	Events(ctx context.Context, from uint64) iter.Seq2[*events.Event, error]
	// Follow is Events that does not stop at the end: it waits for new
	// events and yields them until ctx ends (then it returns, yielding
	// nothing more) or an error is yielded.
	Follow(ctx context.Context, from uint64) iter.Seq2[*events.Event, error]
	// ChainAfter is the hash chain's value after event seq (zero for 0).
	ChainAfter(ctx context.Context, seq uint64) (events.Hash, error)
	// Verify reads the whole log and checks its records and hash chain;
	// damage is an error wrapping events.ErrCorrupt.
	Verify(ctx context.Context) (events.Report, error)
	// Close releases the log; appends in flight finish first.
	Close() error
}
