package events

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const (
	// looseFrameBody is where a group is split into more than one frame (at a
	// request boundary only: one request is never split).
	looseFrameBody = 1 << 20
	// compressAbove: loose bodies smaller than this are stored raw. Sealing
	// compresses everything well later; compressing every small group body
	// was a quarter of the group-commit leader's time, for little saving.
	compressAbove = 16 << 10
)

// request is one Append call waiting in the group-commit queue.
type request struct {
	evs    []Event
	expect uint64
	check  bool
	heal   bool      // Recover: reopen a broken log before this group
	wake   chan bool // true: you lead the next group; false: your request is done
	last   uint64
	err    error
}

// Append writes evs to the log and returns once they are durable, with the
// sequence number of the last one. It fills in each event's Seq, and its Time
// when zero. All of evs land in one frame: after a crash either all of them
// are in the log or none is.
func (l *Log) Append(ctx context.Context, evs ...Event) (uint64, error) {
	return l.submit(ctx, &request{evs: evs})
}

// AppendIf is Append on the condition that the log's last sequence number is
// still expect, the state the caller decided against. If another writer got
// there first it fails with ErrConflict and writes nothing; the caller reloads
// and decides again (optimistic concurrency).
func (l *Log) AppendIf(ctx context.Context, expect uint64, evs ...Event) (uint64, error) {
	return l.submit(ctx, &request{evs: evs, expect: expect, check: true})
}

// submit queues req. The first caller to find no leader becomes the leader:
// it takes the whole queue, writes it with one write and one fsync, then hands
// leadership to the first request that queued meanwhile (so no caller waits
// for more than its own group and the one before it) and returns.
func (l *Log) submit(ctx context.Context, req *request) (uint64, error) {
	if len(req.evs) == 0 && !req.heal {
		return 0, fmt.Errorf("append: no events")
	}
	if l.opts.ReadOnly {
		return 0, ErrReadOnly
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	req.wake = make(chan bool, 1)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, ErrClosed
	}
	l.queue = append(l.queue, req)
	if l.leading {
		l.mu.Unlock()
		if lead := <-req.wake; !lead {
			return req.last, req.err
		}
		l.mu.Lock()
	}
	l.leading = true
	group := l.queue
	l.queue = nil
	l.mu.Unlock()

	l.commit(group)
	for _, r := range group {
		if r != req {
			r.wake <- false
		}
	}

	l.mu.Lock()
	if len(l.queue) > 0 {
		next := l.queue[0]
		l.mu.Unlock()
		next.wake <- true // leading stays true across the hand-over
	} else {
		l.leading = false
		l.mu.Unlock()
	}
	return req.last, req.err
}

// commit writes one group under the OS lock. The leader alone runs it.
func (l *Log) commit(group []*request) {
	if l.broken != nil && slices.ContainsFunc(group, func(r *request) bool { return r.heal }) {
		if err := l.heal(); err != nil {
			failAll(group, fmt.Errorf("%w: %v; reopening failed: %w", ErrBroken, l.broken, err))
			return
		}
	}
	if l.broken != nil {
		failAll(group, fmt.Errorf("%w: %v", ErrBroken, l.broken))
		return
	}
	err := l.withLock(func() error { return l.commitLocked(group) })
	if err != nil {
		l.setBroken(err)
		failAll(group, err)
	}
}

func failAll(group []*request, err error) {
	for _, r := range group {
		if r.err == nil {
			r.err = err
		}
	}
}

// commitLocked catches up with other processes, sequences the group, and
// writes it. A returned error is sticky: the log on disk may hold a partial
// frame, which only a reopen (with its torn-tail repair) may cut.
func (l *Log) commitLocked(group []*request) error {
	if err := l.catchUpLocked(); err != nil {
		return err
	}
	now := l.opts.Now().UTC()
	w := &l.w
	w.buf = w.buf[:0]
	w.body = w.body[:0]
	next, head := w.last+1, w.head
	first, count, frameHead := next, 0, head
	lastFrame := 0 // where the last frame starts in w.buf: the readers' mark
	for _, r := range group {
		if r.check && r.expect != next-1 {
			r.err = fmt.Errorf("%w: decided at seq %d, log is at %d", ErrConflict, r.expect, next-1)
			continue
		}
		if len(w.body) >= looseFrameBody {
			lastFrame = len(w.buf)
			w.buf = l.sealFrame(w.buf, first, count, frameHead, w.body)
			w.body, first, count, frameHead = w.body[:0], next, 0, head
		}
		for i := range r.evs {
			e := &r.evs[i]
			stamp(e, next, now)
			start := len(w.body)
			w.body = appendRecordPrefixed(w.body, e)
			head = chainNext(head, recordAt(w.body, start))
			next++
			count++
		}
		r.last = next - 1
	}
	if count == 0 && len(w.buf) == 0 {
		return nil
	}
	if count > 0 {
		lastFrame = len(w.buf)
		w.buf = l.sealFrame(w.buf, first, count, frameHead, w.body)
	}
	name, at := w.tailName, w.size
	if err := l.writeLocked(w.buf); err != nil {
		return err
	}
	w.last, w.head = next-1, head
	if w.tailName == name {
		mark := tailMark{off: at + int64(lastFrame)}
		copy(mark.hdr[:], w.buf[lastFrame:])
		l.advanceTail(name, w.tailID, at, w.size, next, mark)
	}
	return nil
}

// stamp gives e the sequence number seq and the times as the log stores
// them: a zero Time becomes now; times are cut to the millisecond, in UTC.
func stamp(e *Event, seq uint64, now time.Time) {
	e.Seq = seq
	if e.Time.IsZero() {
		e.Time = now
	}
	e.Time = e.Time.Truncate(time.Millisecond).UTC()
	e.Until = e.Until.Truncate(time.Millisecond)
	if !e.Until.IsZero() {
		e.Until = e.Until.UTC()
	}
}

// Prepare stamps evs as an append after event last would (sequence numbers
// from last+1, the log's clock for a zero Time, times to the millisecond),
// so a caller can fold them into its state before they are durable and
// AppendIf(ctx, last, evs...) then stores them unchanged. A batch of
// decisions is folded one by one, each seeing the ones before it, and
// appended with one write.
func (l *Log) Prepare(last uint64, evs []Event) {
	now := l.opts.Now().UTC()
	for i := range evs {
		stamp(&evs[i], last+1+uint64(i), now)
	}
}

// sealFrame appends a loose frame of body to dst, compressing it when that
// pays.
func (l *Log) sealFrame(dst []byte, first uint64, count int, prev Hash, body []byte) []byte {
	if len(body) >= compressAbove {
		z := l.w.enc.EncodeAll(body, nil)
		if len(z) < len(body)-len(body)/8 {
			return appendFrame(dst, first, count, prev, flagZstd, z)
		}
	}
	return appendFrame(dst, first, count, prev, 0, body)
}

// writeLocked writes frames at the end of the tail segment and syncs,
// first sealing a full tail and starting a new segment.
func (l *Log) writeLocked(frames []byte) error {
	w := &l.w
	if w.tail == nil || w.full {
		if err := l.rollLocked(); err != nil {
			return err
		}
	}
	if _, err := l.writeAt(w.tail, frames, w.size); err != nil {
		return fmt.Errorf("write segment %s: %w", w.tailName, err)
	}
	if err := fdatasync(w.tail); err != nil {
		return fmt.Errorf("sync segment %s: %w", w.tailName, err)
	}
	w.size += int64(len(frames))
	w.full = w.size >= l.opts.SegmentBytes
	return nil
}

// writeAt is f.WriteAt, or the fault tests inject.
func (l *Log) writeAt(f *os.File, b []byte, off int64) (int, error) {
	if l.faultyWrite != nil {
		return l.faultyWrite(f, b, off)
	}
	return f.WriteAt(b, off)
}

// rollLocked seals the full tail (if any) and creates the next segment. The
// seal comes first: it replaces the tail's file, which is how another process
// learns that the tail moved on.
func (l *Log) rollLocked() error {
	w := &l.w
	if w.tail != nil {
		if err := l.sealLocked(); err != nil {
			return err
		}
		l.pin(filePin{})
		w.tail.Close()
		w.tail = nil
	}
	name := segmentName(w.last + 1)
	path := filepath.Join(l.dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create segment %s: %w", name, err)
	}
	hdr := segHeader{version: formatVersion, first: w.last + 1, prev: w.head}.encode()
	if _, err := f.Write(hdr); err != nil {
		f.Close()
		return fmt.Errorf("write segment %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync segment %s: %w", name, err)
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	w.tail, w.tailName, w.tailID, w.size, w.full = f, name, fileID(fi), segHeaderSize, false
	l.pin(filePin{name, w.tailID})
	return nil
}

// catchUpLocked notices what other processes did since this one last held
// the lock (appended to the tail, sealed it, started a new segment) and
// reloads the tail if so. The OS lock must be held.
func (l *Log) catchUpLocked() error {
	w := &l.w
	if w.tail == nil {
		return l.reloadLocked()
	}
	fi, err := os.Stat(filepath.Join(l.dir, w.tailName))
	if err != nil || fileID(fi) != w.tailID || fi.Size() != w.size {
		return l.reloadLocked()
	}
	return nil
}

// appendRecordPrefixed appends e's record with its uvarint length prefix.
func appendRecordPrefixed(b []byte, e *Event) []byte {
	// Reserve one byte for the length, the common case; move if longer.
	start := len(b)
	b = append(b, 0)
	b = AppendRecord(b, e)
	n := len(b) - start - 1
	if n < 0x80 {
		b[start] = byte(n)
		return b
	}
	var lenBuf [10]byte
	k := binary.PutUvarint(lenBuf[:], uint64(n))
	b = append(b, make([]byte, k-1)...)
	copy(b[start+k:], b[start+1:start+1+n])
	copy(b[start:], lenBuf[:k])
	return b
}

// recordAt returns the record whose length prefix starts at start.
func recordAt(b []byte, start int) []byte {
	rec, _, _ := nextRecord(b[start:])
	return rec
}
