package events

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// walkMode says whether a walk hands visit canonical records or the records
// as stored (delta-coded in sealed frames: see Events).
type walkMode bool

const (
	canonical walkMode = false
	asStored  walkMode = true
)

// tailCache remembers how far a walk has read the newest segment, so that a
// caller who keeps up with the log (the orchestrator, Store.Execute) reads
// only what is new: one stat when nothing is, not the whole segment.
type tailCache struct {
	name string
	id   uint64
	size int64  // bytes read: the end of the last whole frame
	next uint64 // seq after the last event in those bytes
	hdr  segHeader
	mark tailMark
	// sealed: the segment was sealed, so a newer one follows (or is being
	// created): only a listing finds it.
	sealed bool
}

// tailMark is the header of the last whole frame read (the segment's header
// when it has no frame yet) and where it starts. A file's identity (its
// inode number) names it only while it exists: ext4 hands a freed number to
// the next file it creates, so a segment sealed a second time (its first
// sealer was killed before starting the next segment, and the sealed file
// is still full) may come back on the number of the loose file a reader
// cached. Identity and size then say "the same file, grown" of a different
// file. The header names the frame's first seq, its count, the chain value
// before it (which commits to every event before) and the crc of its body,
// so while it is still there, so is everything the cache read.
type tailMark struct {
	off int64
	hdr [frameHeaderSize]byte
}

// The mark holds a segment header or a frame header: they are one size.
const _ = uint(frameHeaderSize-segHeaderSize) + uint(segHeaderSize-frameHeaderSize)

// holdsWhole reports whether the file at path is the file c read, ending
// where c's last whole frame does.
func (c *tailCache) holdsWhole(path string) bool {
	f, err := openRead(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	return err == nil && fi.Size() == c.size && c.holds(f, fi)
}

// markAt is the mark of the last frame of s, whose bytes data start at file
// offset base, or at when s has no frame.
func markAt(data []byte, base int64, s *scanned, at tailMark) tailMark {
	if len(s.frames) == 0 {
		return at
	}
	m := tailMark{off: s.frames[len(s.frames)-1].off}
	copy(m.hdr[:], data[m.off-base:])
	return m
}

// holds reports whether f, whose stat is fi, is still the file c read:
// the same identity, no shorter, and the last frame c read still in its
// place. It costs one read of a frame header.
func (c *tailCache) holds(f *os.File, fi os.FileInfo) bool {
	if fileID(fi) != c.id || fi.Size() < c.size {
		return false
	}
	var hdr [frameHeaderSize]byte
	_, err := f.ReadAt(hdr[:], c.mark.off)
	return err == nil && hdr == c.mark.hdr
}

// walk reads the segments from the one holding seq from onwards and calls
// visit for every frame that holds events at or after from. It reads what is
// on disk now; a partial frame at the very end is a write in progress (or a
// torn write not yet repaired) and ends the walk. Damage anywhere else is
// ErrCorrupt.
//
// A caller that keeps up costs one open and stat of the newest segment as
// last read, not a listing of the folder: while that file is still there
// under its name, with the same identity, it is still the newest, because
// a writer seals (replaces) the tail before it starts the next segment. A
// sealed newest segment is not trusted so: the next one may follow it.
func (l *Log) walk(ctx context.Context, from uint64, mode walkMode, visit segmentVisit) error {
	return l.walkCached(ctx, from, mode, nil, visit)
}

// walkCached is walk remembering how far it read in cache; nil is the log's
// own cache, shared by every caller that keeps up with the log. A reader
// that lags behind the others (a Tail) keeps its own, so the newest
// segment is not read whole each time it looks.
func (l *Log) walkCached(ctx context.Context, from uint64, mode walkMode, cache *tailCache, visit segmentVisit) error {
	done, next, err := l.walkTail(from, mode, cache, visit)
	if err != nil {
		return err
	}
	if done {
		// The next segment, if a writer started one, is named by the seq
		// after the tail's last event: one stat proves there is none. Any
		// way a segment could follow an unchanged tail (a crash between
		// steps) is then still caught without listing the folder.
		if _, err := os.Stat(filepath.Join(l.dir, segmentName(next))); err != nil {
			return nil
		}
		from = max(from, next)
	}
	l.listings.Add(1)
	names, err := listSegments(l.dir)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	if len(names)-startIndex(names, from) >= aheadSegments {
		return l.walkAhead(ctx, names, from, mode, cache, visit)
	}
	var bufs bodyBufs
	return l.segmentFrames(ctx, names, from, cache, visiting(&bufs, mode, visit))
}

// segmentFrames reads the segments names from the one holding from on and
// calls each with every whole frame holding events at or after from, its
// body as stored; the newest segment read is remembered in cache.
func (l *Log) segmentFrames(ctx context.Context, names []string, from uint64, cache *tailCache, each storedFrame) error {
	want := uint64(0)
	for i := startIndex(names, from); i < len(names); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := names[i]
		data, id, err := readSegment(filepath.Join(l.dir, name))
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
		if err := eachFrame(name, data, 0, s, from, each); err != nil {
			return err
		}
		want = s.next()
		if i == len(names)-1 {
			l.remember(cache, name, id, data, s)
		}
	}
	return nil
}

// aheadSegments is how many segments a walk reads before it reads ahead
// (walkAhead): a replay, not a look at the tail.
const aheadSegments = 2

// aheadFrames is how many frames walkAhead may have decompressed before
// visit takes them.
const aheadFrames = 2

// aheadFrame is a frame walkAhead read and decompressed, or the error that
// ends the walk.
type aheadFrame struct {
	name string
	fr   frameRef
	recs []byte
	bufs *bodyBufs
	err  error
}

// walkAhead is the walk of segmentFrames with the reading and the
// decompression in a goroutine of its own, a frame or two ahead of visit:
// a replay of a long log then decompresses on one core while it decodes
// and folds on another. What crosses over is the records as stored
// (~100 bytes an event), not decoded Events (592 bytes each: handing
// those over cost more than decoding them, see BENCHMARKS.md). The
// goroutine has ended when walkAhead returns, however visit stops it.
func (l *Log) walkAhead(ctx context.Context, names []string, from uint64, mode walkMode, cache *tailCache, visit segmentVisit) error {
	full := make(chan aheadFrame, aheadFrames)
	free := make(chan *bodyBufs, aheadFrames+2)
	quit := make(chan struct{})
	go func() {
		defer close(full)
		send := func(f aheadFrame) error {
			select {
			case full <- f:
				return nil
			case <-quit:
				return errStopWalk
			}
		}
		err := l.segmentFrames(ctx, names, from, cache, func(name string, fr frameRef, stored []byte) error {
			var b *bodyBufs
			select {
			case b = <-free:
			default:
				b = new(bodyBufs)
			}
			recs, err := b.frame(name, fr, stored, mode)
			if err != nil {
				return err
			}
			return send(aheadFrame{name: name, fr: fr, recs: recs, bufs: b})
		})
		if err != nil && err != errStopWalk {
			send(aheadFrame{err: err})
		}
	}()
	defer func() {
		close(quit)
		for range full { // wait for the goroutine to end: it may write cache
		}
	}()
	for f := range full {
		if f.err != nil {
			return f.err
		}
		if err := visit(f.name, f.fr, f.recs); err != nil {
			return err
		}
		select {
		case free <- f.bufs:
		default:
		}
	}
	return nil
}

// errStopWalk ends a walk whose reader stopped: visit returns it, and the
// walk's caller does not report it.
var errStopWalk = errors.New("stop")

// walkTail reads only the new bytes of the newest segment when the cache
// (nil: the log's own) says everything before from has been read already.
// done is false when the cache cannot answer and a full walk is needed;
// when it is true, next is the seq after the last event read.
func (l *Log) walkTail(from uint64, mode walkMode, cache *tailCache, visit segmentVisit) (done bool, next uint64, err error) {
	c := l.cached(cache)
	name := c.name
	if name == "" || c.sealed || from < c.next {
		return false, 0, nil
	}
	if cache == nil && l.lookPinned(c) {
		return true, c.next, nil
	}
	f, err := openRead(filepath.Join(l.dir, name))
	if err != nil {
		return false, 0, nil // renamed or gone: let the full walk see
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !c.holds(f, fi) {
		return false, 0, nil
	}
	if fi.Size() == c.size {
		return true, c.next, nil
	}
	data := make([]byte, fi.Size()-c.size)
	l.tailRead.Add(int64(len(data)))
	if _, err := f.ReadAt(data, c.size); err != nil {
		return false, 0, nil
	}
	s := &scanned{hdr: c.hdr, end: c.size, skipped: c.next - c.hdr.first}
	if err := scanFrames(name, data, c.size, c.next, true, s); err != nil {
		return true, 0, err
	}
	var bufs bodyBufs
	if err := eachFrame(name, data, c.size, s, from, visiting(&bufs, mode, visit)); err != nil {
		return true, 0, err
	}
	mark := markAt(data, c.size, s, c.mark)
	if cache != nil {
		cache.size, cache.next, cache.mark = s.end, s.next(), mark
		return true, s.next(), nil
	}
	l.advanceTail(name, c.id, c.size, s.end, s.next(), mark) // unless another walk moved it meanwhile
	return true, s.next(), nil
}

// filePin is a segment's name and identity while this process holds the
// file open, so its inode cannot be freed and its number handed to
// another file.
type filePin struct {
	name string
	id   uint64
}

// pin publishes the tail segment this process holds open to write (the
// zero filePin: none, set before the file is closed).
func (l *Log) pin(p filePin) {
	l.tailMu.Lock()
	defer l.tailMu.Unlock()
	l.pinned = p
}

// lookPinned reports whether c, the log's own cache, provably still ends
// where the newest segment does, with one stat instead of an open, a
// stat, a read of the last frame's header and a close (issue 10: a busy
// server looks once per commit batch, and the open was most of the look).
//
// While this process holds the tail open to write, its inode cannot be
// reused: a file at the tail's name with the tail's identity is the tail
// itself, not a later file on a recycled inode number, which is what the
// mark guards against when nothing holds it (holds). The pin is checked
// again after the stat, so it held throughout. The tail's size then says
// whether anything was appended: only whole frames are ever added to it
// (by this process or, under the OS lock, another), and a torn write is
// cut only down to the last whole frame, which c's size never passes.
func (l *Log) lookPinned(c tailCache) bool {
	pinned := func() bool {
		l.tailMu.Lock()
		defer l.tailMu.Unlock()
		return l.pinned.name == c.name && l.pinned.id == c.id
	}
	if !pinned() {
		return false
	}
	fi, err := os.Stat(filepath.Join(l.dir, c.name))
	if err != nil || !pinned() || fileID(fi) != c.id || fi.Size() != c.size {
		return false
	}
	l.pinLooks.Add(1)
	return true
}

// cached returns what cache (nil: the log's own) remembers.
func (l *Log) cached(cache *tailCache) tailCache {
	if cache != nil {
		return *cache
	}
	l.tailMu.Lock()
	defer l.tailMu.Unlock()
	return l.tailc
}

// advanceTail moves the log's own cache from at to end of the tail name,
// if it still stands at at: past frames just read, or just written by
// this log (so its own appends are not read back). mark is the last of
// those frames.
func (l *Log) advanceTail(name string, id uint64, at, end int64, next uint64, mark tailMark) {
	l.tailMu.Lock()
	defer l.tailMu.Unlock()
	if c := &l.tailc; c.name == name && c.id == id && c.size == at {
		c.size, c.next, c.mark = end, next, mark
	}
}

// remember records in cache (nil: the log's own) how far the newest
// segment, whose bytes are data, was read.
func (l *Log) remember(cache *tailCache, name string, id uint64, data []byte, s *scanned) {
	sealed := len(s.frames) > 0 && s.frames[len(s.frames)-1].hdr.flags&flagDelta != 0
	c := tailCache{name: name, id: id, size: s.end, next: s.next(), hdr: s.hdr, sealed: sealed,
		mark: markAt(data, 0, s, tailMark{hdr: [frameHeaderSize]byte(data[:segHeaderSize])})}
	if cache != nil {
		*cache = c
		return
	}
	l.tailMu.Lock()
	defer l.tailMu.Unlock()
	l.tailc = c
}

// storedFrame is called with a frame of segment name and its body as
// stored (compressed, delta-coded: see bodyBufs.frame).
type storedFrame func(name string, fr frameRef, stored []byte) error

// eachFrame calls each for every frame of s (whose bytes data start at
// file offset base) holding events at or after from.
func eachFrame(name string, data []byte, base int64, s *scanned, from uint64, each storedFrame) error {
	for _, fr := range s.frames {
		if fr.hdr.first+uint64(fr.hdr.count) <= from {
			continue
		}
		_, stored, _ := parseFrame(data[fr.off-base:])
		if err := each(name, fr, stored); err != nil {
			return err
		}
	}
	return nil
}

// visiting is the storedFrame that reads each body into bufs as mode asks
// and hands its records to visit: a walk in one goroutine.
func visiting(bufs *bodyBufs, mode walkMode, visit segmentVisit) storedFrame {
	return func(name string, fr frameRef, stored []byte) error {
		recs, err := bufs.frame(name, fr, stored, mode)
		if err != nil {
			return err
		}
		return visit(name, fr, recs)
	}
}

// readSegment reads a whole segment and its file identity from one open
// file, so the two agree even if the segment is being sealed.
func readSegment(path string) ([]byte, uint64, error) {
	f, err := openRead(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, 0, err
	}
	return data, fileID(fi), nil
}

// Events yields the events with Seq >= from, in order, as they are on disk
// when each segment is reached. The *Event is reused between iterations: copy
// what you keep (its strings may be kept). Iteration stops at the first error,
// which is yielded with a nil event.
func (l *Log) Events(ctx context.Context, from uint64) iter.Seq2[*Event, error] {
	return l.events(ctx, from, nil, nil)
}

// events is Events reading with cache (nil: the log's own; see walkCached)
// and decoding with *dec, made at the first frame when it is nil (a look
// that finds nothing new needs none). dec nil: a Decoder of its own.
func (l *Log) events(ctx context.Context, from uint64, cache *tailCache, dec **Decoder) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		var own *Decoder
		if dec == nil {
			dec = &own
		}
		var e Event
		err := l.walkCached(ctx, from, asStored, cache, func(name string, fr frameRef, recs []byte) error {
			if *dec == nil {
				*dec = NewDecoder()
			}
			d := *dec
			seq := fr.hdr.first
			delta := fr.hdr.flags&flagDelta != 0
			milli := int64(0)
			for n := uint32(0); n < fr.hdr.count; n++ {
				rec, rest, err := nextRecord(recs)
				if err == nil && delta {
					milli, err = d.decodeDelta(rec, seq, milli, &e)
				} else if err == nil {
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
					return errStopWalk
				}
			}
			return nil
		})
		if err != nil && err != errStopWalk {
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
	err := l.walk(ctx, seq, canonical, func(name string, fr frameRef, recs []byte) error {
		h := fr.hdr.prev
		for s := fr.hdr.first; s <= seq; s++ {
			rec, rest, err := nextRecord(recs)
			if err != nil {
				return fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
			}
			h, recs = chainNext(h, rec), rest
		}
		head, found = h, true
		return errStopWalk
	})
	if err != nil && err != errStopWalk {
		return Hash{}, err
	}
	if !found {
		return Hash{}, fmt.Errorf("chain after seq %d: no such event", seq)
	}
	return head, nil
}
