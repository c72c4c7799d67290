package events

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file's inode number names it only while it exists: ext4 hands a freed
// number to the next file it creates, often at once. A loose tail that a
// seal replaced is freed; if a second seal of the same segment follows (the
// first writer was killed between its seal and the next segment, and the
// sealed file is still full, so the next writer seals it again), that
// seal's new file may get the loose file's number back. A reader that
// cached the loose file by name, number and size then sees "the same file",
// never the next segment (named after the seq the writer sealed up to, not
// the seq the reader read to), and stops short of the log for good: the
// TestCrashKill failure "following reader read up to 1038; the log holds
// 4098 events".
//
// The tests build that state without depending on the allocator: a hard
// link keeps the loose file's inode, and the sealed bytes are written into
// it and put back under the segment's name.

// reuseWorld is one log in which a reader read a loose tail, then a writer
// filled, sealed and rolled it, and the sealed segment came back on the
// loose file's inode.
type reuseWorld struct {
	dir    string
	reader *Log
	tail   *Tail
	read   uint64 // events both followers read before the seal
	total  uint64
}

// reuseSegmentBytes is where the test logs seal: after the bulk, not before.
const reuseSegmentBytes = 12 << 10

// buildReuse writes the first event (its Reason reasonLen bytes long), lets a
// follower read it, then appends a bulk that fills the segment and one event
// that seals it and starts the next. It returns the loose and sealed sizes
// of the first segment. With reuse, the sealed segment is then put on the
// loose file's inode.
func buildReuse(t *testing.T, reasonLen int, reuse bool) (w *reuseWorld, loose, sealed int64) {
	t.Helper()
	ctx := context.Background()
	w = &reuseWorld{dir: t.TempDir()}
	wr := openT(t, w.dir, Options{SegmentBytes: reuseSegmentBytes, Now: fixedClock})
	first := sampleEvent(0)
	first.Reason = strings.Repeat("x", reasonLen)
	appendT(t, wr, first)
	seg := filepath.Join(w.dir, segmentName(1))
	keep := seg + ".inode"
	if reuse {
		w.reader = openT(t, w.dir, Options{ReadOnly: true})
		w.tail = w.reader.Tail(1)
		w.read = uint64(len(collect(t, w.reader, 1)))
		for range w.tail.Read(ctx) {
		}
		if err := os.Link(seg, keep); err != nil {
			t.Fatal(err)
		}
	}
	loose = fileSize(t, seg)
	appendT(t, wr, bulkEvents(1, 1000)...)
	appendT(t, wr, sampleEvent(1)) // seals the first segment and starts the next
	w.total = 1002
	if names, err := listSegments(w.dir); err != nil || len(names) != 2 {
		t.Fatalf("segments %v (%v): want the first sealed and a second", names, err)
	}
	sealed = fileSize(t, seg)
	if !reuse {
		return w, loose, sealed
	}
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, data, 0o600); err != nil { // same inode, sealed bytes
		t.Fatal(err)
	}
	if err := os.Rename(keep, seg); err != nil {
		t.Fatal(err)
	}
	return w, loose, sealed
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// check fails unless both followers now read every event after the first.
func (w *reuseWorld) check(t *testing.T) {
	t.Helper()
	if got := collect(t, w.reader, w.read+1); uint64(len(got)) != w.total-w.read {
		t.Errorf("following reader read %d events after seq %d; the log holds %d", len(got), w.read, w.total)
	}
	n := uint64(0)
	for e, err := range w.tail.Read(context.Background()) {
		if err != nil {
			t.Fatalf("tail: %v", err)
		}
		n++
		if e.Seq != w.read+n {
			t.Fatalf("tail read seq %d, want %d", e.Seq, w.read+n)
		}
	}
	if w.tail.Next() != w.total+1 {
		t.Errorf("tail read up to %d; the log holds %d", w.tail.Next()-1, w.total)
	}
}

// TestCachedTailInodeReusedGrown: the sealed segment on the loose file's
// inode is larger than what the reader had read of the loose file, so the
// reader reads sealed bytes from its old offset, takes them for a torn
// write, and looks for the next segment under the wrong name.
func TestCachedTailInodeReusedGrown(t *testing.T) {
	w, loose, sealed := buildReuse(t, 0, true)
	if sealed <= loose {
		t.Fatalf("sealed segment %d bytes, loose %d: the test wants it larger", sealed, loose)
	}
	w.check(t)
}

// TestCachedTailInodeReusedSameSize: the sealed segment on the loose file's
// inode has exactly the size the reader had read, so the file looks
// untouched. The first event's length is searched for so that the loose
// file holding it alone is as large as the sealed segment.
func TestCachedTailInodeReusedSameSize(t *testing.T) {
	diff := func(n int) int64 {
		_, loose, sealed := buildReuse(t, n, false)
		return loose - sealed
	}
	lo, hi := 0, 11<<10 // the first event alone does not fill the segment
	if diff(lo) >= 0 || diff(hi) <= 0 {
		t.Fatalf("loose minus sealed size: %d at %d, %d at %d; want a sign change", diff(lo), lo, diff(hi), hi)
	}
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; diff(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	if diff(hi) != 0 {
		t.Fatalf("no first-event length makes the sizes equal (%d at %d)", diff(hi), hi)
	}
	w, loose, sealed := buildReuse(t, hi, true)
	if loose != sealed {
		t.Fatalf("loose %d bytes, sealed %d: want equal", loose, sealed)
	}
	w.check(t)
}

// TestTornTailSameInodeSameSize: TornTail trusted a stat (identity and
// size) to say the newest segment was still the one a read had found whole.
// Here the file on that inode has that size, but in place of the last
// frame read it holds another writer's frame, torn where that one ended.
func TestTornTailSameInodeSameSize(t *testing.T) {
	dir := t.TempDir()
	wr := openT(t, dir, Options{Now: fixedClock})
	appendT(t, wr, sampleEvent(1), sampleEvent(2))
	appendT(t, wr, sampleEvent(3))
	r := openT(t, dir, Options{ReadOnly: true})
	collect(t, r, 1)
	if torn, err := r.TornTail(); torn != nil || err != nil {
		t.Fatalf("torn tail %v, %v; want none", torn, err)
	}
	seg := filepath.Join(dir, segmentName(1))
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scanSegment(segmentName(1), data, true)
	if err != nil || len(s.frames) != 2 {
		t.Fatalf("scan: %v, %d frames", err, len(s.frames))
	}
	last := s.frames[1]
	other := sampleEvent(4)
	other.Reason = strings.Repeat("another writer's event 3 ", 8)
	stamp(&other, 3, fixedClock())
	frame := appendFrame(nil, 3, 1, last.hdr.prev, 0, appendRecordPrefixed(nil, &other))
	if len(frame) <= len(data[last.off:]) {
		t.Fatalf("the other frame (%d bytes) must be longer than the one read", len(frame))
	}
	copy(data[last.off:], frame)
	keep := seg + ".inode"
	if err := os.Link(seg, keep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, data, 0o600); err != nil { // same inode, same size
		t.Fatal(err)
	}
	if err := os.Rename(keep, seg); err != nil {
		t.Fatal(err)
	}
	torn, err := r.TornTail()
	if err != nil || torn == nil || torn.Offset != last.off {
		t.Fatalf("torn tail %v, %v; want one at offset %d", torn, err, last.off)
	}
}
