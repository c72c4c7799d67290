package eventlog

import (
	"context"
	"fmt"
	"iter"

	"github.com/swarm-build/swarm/events"
)

// The powers some backends have beyond Log. Callers find them by type
// assertion and do without them (or fall back to what Log offers) when a
// backend lacks them: the file log has all of them.

// Preparer stamps events as the append after event last will store them
// (events.Log.Prepare: seqs, the log's clock, times truncated) and
// pre-encodes them outside the writer's lock. Without it a caller that
// folds events before appending them stamps them itself (events.Stamp).
type Preparer interface {
	Prepare(last uint64, evs []events.Event)
}

// Healer is a log whose first write or sync failure is sticky (a full
// disk): Broken says why it refuses appends, Recover reopens it once the
// disk takes writes again.
type Healer interface {
	Broken() error
	Recover(ctx context.Context) error
}

// TornTeller reports a torn write at the end of the log that a reader
// answers before.
type TornTeller interface {
	TornTail() (*events.Torn, error)
}

// Sizer reports the bytes the log takes on disk.
type Sizer interface {
	Size() (int64, error)
}

// Recorder yields the log's canonical records with the chain after each.
type Recorder interface {
	Records(ctx context.Context, from uint64) iter.Seq2[events.Record, error]
}

// Broken is l's Healer.Broken, or nil for a log without one.
func Broken(l Log) error {
	if h, ok := l.(Healer); ok {
		return h.Broken()
	}
	return nil
}

// Records yields l's records from seq from on: its own Records when it has
// them, else each event re-encoded (events.AppendRecord, which is what every
// backend stores) and chained from ChainAfter(from-1), which is the same
// record and chain whenever the log verifies.
func Records(ctx context.Context, l Log, from uint64) iter.Seq2[events.Record, error] {
	if r, ok := l.(Recorder); ok {
		return r.Records(ctx, from)
	}
	return func(yield func(events.Record, error) bool) {
		from = max(from, 1)
		head, err := l.ChainAfter(ctx, from-1)
		if err != nil {
			yield(events.Record{}, fmt.Errorf("records from seq %d: %w", from, err))
			return
		}
		for e, err := range l.Events(ctx, from) {
			if err != nil {
				yield(events.Record{}, err)
				return
			}
			rec := events.AppendRecord(nil, e)
			head = events.ChainNext(head, rec)
			if !yield(events.Record{Seq: e.Seq, Data: rec, Chain: head}, nil) {
				return
			}
		}
	}
}
