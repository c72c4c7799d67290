package events

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// segmentFirst is the first sequence number a segment name promises.
func segmentFirst(name string) uint64 {
	v, _ := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 10, 64)
	return v
}

// startIndex is the index of the segment holding seq (the last one whose
// first sequence number is not after it).
func startIndex(names []string, seq uint64) int {
	i := 0
	for j, n := range names {
		if segmentFirst(n) <= seq {
			i = j
		}
	}
	return i
}

// segmentVisit is called for each whole frame, in order, with its records.
type segmentVisit func(name string, fr frameRef, recs []byte) error

// walk reads the segments from the one holding seq from onwards and calls
// visit for every frame that holds events at or after from. It reads what is
// on disk now; a partial frame at the very end is a write in progress (or a
// torn write not yet repaired) and ends the walk. Damage anywhere else is
// ErrCorrupt.
func (l *Log) walk(ctx context.Context, from uint64, visit segmentVisit) error {
	names, err := listSegments(l.dir)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	var bufs bodyBufs
	want := uint64(0)
	for i := startIndex(names, from); i < len(names); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := names[i]
		data, err := os.ReadFile(filepath.Join(l.dir, name))
		if err != nil {
			return fmt.Errorf("read segment %s: %w", name, err)
		}
		s, err := scanSegment(name, data, i == len(names)-1)
		if err != nil {
			return err
		}
		if s.hdr.first == 0 { // a torn header on the newest segment
			return nil
		}
		if want != 0 && s.hdr.first != want {
			return fmt.Errorf("%w: segment %s starts at seq %d, want %d", ErrCorrupt, name, s.hdr.first, want)
		}
		for _, fr := range s.frames {
			if fr.hdr.first+uint64(fr.hdr.count) <= from {
				continue
			}
			_, stored, _ := parseFrame(data[fr.off:])
			recs, err := bufs.records(fr.hdr, stored)
			if err != nil {
				return fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
			}
			if err := visit(name, fr, recs); err != nil {
				return err
			}
		}
		want = s.next()
	}
	return nil
}

// Events yields the events with Seq >= from, in order, as they are on disk
// when each segment is reached. The *Event is reused between iterations: copy
// what you keep (its strings may be kept). Iteration stops at the first error,
// which is yielded with a nil event.
func (l *Log) Events(ctx context.Context, from uint64) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		d := NewDecoder()
		var e Event
		stop := fmt.Errorf("stop")
		err := l.walk(ctx, from, func(name string, fr frameRef, recs []byte) error {
			seq := fr.hdr.first
			for n := uint32(0); n < fr.hdr.count; n++ {
				rec, rest, err := nextRecord(recs)
				if err == nil {
					err = d.Decode(rec, &e)
				}
				if err == nil && e.Seq != seq {
					err = fmt.Errorf("record holds seq %d, want %d", e.Seq, seq)
				}
				if err != nil {
					return fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
				}
				recs = rest
				seq++
				if e.Seq < from {
					continue
				}
				if !yield(&e, nil) {
					return stop
				}
			}
			return nil
		})
		if err != nil && err != stop {
			yield(nil, err)
		}
	}
}

// ChainAfter returns the hash chain's value after event seq (the zero Hash
// for seq 0). Snapshots record it to prove they belong to this log.
func (l *Log) ChainAfter(ctx context.Context, seq uint64) (Hash, error) {
	if seq == 0 {
		return Hash{}, nil
	}
	var head Hash
	found := false
	stop := fmt.Errorf("stop")
	err := l.walk(ctx, seq, func(name string, fr frameRef, recs []byte) error {
		h := fr.hdr.prev
		for s := fr.hdr.first; s <= seq; s++ {
			rec, rest, err := nextRecord(recs)
			if err != nil {
				return fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
			}
			h, recs = chainNext(h, rec), rest
		}
		head, found = h, true
		return stop
	})
	if err != nil && err != stop {
		return Hash{}, err
	}
	if !found {
		return Hash{}, fmt.Errorf("chain after seq %d: no such event", seq)
	}
	return head, nil
}
