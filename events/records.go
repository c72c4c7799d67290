package events

import (
	"context"
	"encoding/hex"
	"fmt"
	"iter"
	"slices"
)

// Record is one event as the log holds it: its canonical encoding (doc.go,
// Records) and the hash chain's value after it. A copy of a log made of
// these records, checked link by link with ChainNext, is the same log: it
// is how `swarm fetch` copies an orchestrator's log and how an incident
// bundle carries its events.
type Record struct {
	Seq   uint64
	Data  []byte // the canonical record; the caller owns it
	Chain Hash   // the chain value after this record
}

// Records yields the records of the events with Seq >= from, in order,
// each with the chain value after it. Iteration stops at the first error,
// which is yielded with a zero Record.
func (l *Log) Records(ctx context.Context, from uint64) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		err := l.walk(ctx, from, canonical, func(name string, fr frameRef, recs []byte) error {
			h := fr.hdr.prev
			for seq := fr.hdr.first; seq < fr.hdr.first+uint64(fr.hdr.count); seq++ {
				rec, rest, err := nextRecord(recs)
				if err != nil {
					return fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
				}
				h, recs = chainNext(h, rec), rest
				if seq < from {
					continue
				}
				if !yield(Record{Seq: seq, Data: slices.Clone(rec), Chain: h}, nil) {
					return errStopWalk
				}
			}
			return nil
		})
		if err != nil && err != errStopWalk {
			yield(Record{}, err)
		}
	}
}

// ChainNext is the chain value after rec, given the one before it.
func ChainNext(prev Hash, rec []byte) Hash { return chainNext(prev, rec) }

// ParseHash reads a chain value as Hash.String prints it.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("event log: %q is not a chain value (64 hex digits)", s)
	}
	copy(h[:], b)
	return h, nil
}

// Canonical reports whether rec is exactly what this release would write
// for the event it decodes to: a record with fields or a type this release
// does not know decodes without them, so appending the decoded event would
// change the chain. It returns the event.
func Canonical(rec []byte) (Event, bool, error) {
	var e Event
	if err := NewDecoder().Decode(rec, &e); err != nil {
		return e, false, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return e, slices.Equal(AppendRecord(nil, &e), rec), nil
}
