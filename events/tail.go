package events

import (
	"context"
	"iter"
)

// Tail follows the log from a sequence number onwards: each Read yields the
// events appended since the last one, in order, each exactly once, whoever
// appended them (this process or another on the same folder). It remembers
// how far it read the newest segment, so a Read when nothing is new costs
// one stat, and one after a few appends reads only their bytes, however far
// other readers of the same Log have got. The live views (the orchestrator's
// event stream) are built on it.
//
// A Tail is not safe for concurrent use; a Log may have any number of them.
type Tail struct {
	l     *Log
	next  uint64
	cache tailCache
	// dec is kept from one Read to the next: a follower of a busy log reads
	// a few events at a time, and a Decoder made for each Read (its intern
	// table, its cache of recent strings) was most of the bytes the
	// orchestrator's event stream allocated.
	dec *Decoder
}

// tailInterned bounds the strings a Tail's Decoder keeps interned between
// Reads: past it the table starts afresh, so a long-lived follower holds
// a few thousand atoms, not every one it has seen.
const tailInterned = 4096

// Tail returns a follower whose first Read starts at event from (0 and 1:
// the first event).
func (l *Log) Tail(from uint64) *Tail { return &Tail{l: l, next: max(from, 1)} }

// Next is the sequence number the next event read will have.
func (t *Tail) Next() uint64 { return t.next }

// Skip moves the tail on to seq next when that is ahead of it, for a
// follower that stopped reading for a while and wants what comes from
// next on: the next Read decodes no event before it (and reads no sealed
// segment that ends before it).
func (t *Tail) Skip(next uint64) { t.next = max(t.next, next) }

// Read yields the events now on disk from Next onwards, as Events does (the
// *Event is reused: copy what you keep). Stopping early is fine: the next
// Read resumes after the last event yielded. An error is yielded with a nil
// event and ends the Read; the next one tries again from the same place.
func (t *Tail) Read(ctx context.Context) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		if t.dec != nil && len(t.dec.intern) > tailInterned {
			clear(t.dec.intern)
		}
		for e, err := range t.l.events(ctx, t.next, &t.cache, &t.dec) {
			if err != nil {
				t.cache = tailCache{} // read the segment whole next time
				yield(nil, err)
				return
			}
			t.next = e.Seq + 1
			if !yield(e, nil) {
				return
			}
		}
	}
}
