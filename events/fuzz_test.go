package events

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// Fuzz tests of every decoder: records, frames, segments, and Open on a
// folder holding a fuzzed segment. Their regression seeds are committed in
// testdata/fuzz/; the seeds added here are built from real logs, so they
// follow the format when it changes.

// FuzzDecodeRecord: Decode never panics, fails only with ErrDecode, and
// what it decodes re-encodes to a record that decodes to the same event and
// re-encodes to the same bytes (the encoding is canonical).
func FuzzDecodeRecord(f *testing.F) {
	rich := richEvent()
	f.Add(AppendRecord(nil, &rich))
	for i := range 5 {
		e := sampleEvent(i)
		e.Seq, e.Time = uint64(i+1), fixedClock()
		f.Add(AppendRecord(nil, &e))
	}
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3, 0x7a, 0})
	f.Fuzz(func(t *testing.T, rec []byte) {
		var e Event
		if err := NewDecoder().Decode(rec, &e); err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("decode error does not wrap ErrDecode: %v", err)
			}
			return
		}
		again := AppendRecord(nil, &e)
		var e2 Event
		if err := NewDecoder().Decode(again, &e2); err != nil {
			t.Fatalf("re-encoded record does not decode: %v\nevent %+v", err, e)
		}
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("re-encoded event differs:\n got %+v\nwant %+v", e2, e)
		}
		if third := AppendRecord(nil, &e2); !bytes.Equal(third, again) {
			t.Fatalf("encoding is not canonical:\n%x\n%x", again, third)
		}
	})
}

// FuzzParseFrame: parseFrame never panics, and a frame it accepts is whole,
// its checksum holds, and writing its header and body again gives the same
// bytes.
func FuzzParseFrame(f *testing.F) {
	for _, s := range seedSegments(f) {
		for _, fr := range s.scan.frames {
			f.Add(s.data[fr.off:])
		}
	}
	f.Add(make([]byte, frameHeaderSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, err := parseFrame(b)
		if err != nil {
			if err != errShort && err != errBadFrame {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		n := h.frameLen()
		if n > int64(len(b)) || n%frameAlign != 0 || len(body) != int(h.bodyLen) || h.count == 0 {
			t.Fatalf("accepted frame of %d bytes (body %d, count %d) from %d bytes", n, len(body), h.count, len(b))
		}
		again := appendFrame(nil, h.first, int(h.count), h.prev, h.flags, body)
		if int64(len(again)) != n || !bytes.Equal(again[:frameHeaderSize+len(body)], b[:frameHeaderSize+len(body)]) {
			t.Fatalf("frame does not re-encode to itself:\n%x\n%x", again, b[:n])
		}
	})
}

// FuzzScanSegment: scanSegment never panics; it fails with ErrCorrupt or
// ErrVersion, or returns 8-aligned, back-to-back frames with dense seqs,
// each of which parses with its checksum, and says torn (only of a tail)
// exactly when bytes are left after them.
func FuzzScanSegment(f *testing.F) {
	for _, s := range seedSegments(f) {
		f.Add(s.data, true)
		f.Add(s.data, false)
		f.Add(s.data[:len(s.data)-3], true)
	}
	f.Add([]byte{}, true)
	f.Add(make([]byte, 40), true)
	f.Fuzz(func(t *testing.T, data []byte, tail bool) {
		s, err := scanSegment("fuzz.seg", data, tail)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if s.hdr.first == 0 { // a torn header
			if !tail || !s.torn || len(s.frames) > 0 || s.end != 0 {
				t.Fatalf("headerless result %+v (tail %v)", s, tail)
			}
			return
		}
		off, want := int64(segHeaderSize), s.hdr.first
		for _, fr := range s.frames {
			h, body, err := parseFrame(data[fr.off:])
			if fr.off != off || err != nil || h != fr.hdr || h.first != want ||
				frameCRC(data[fr.off:fr.off+frameHeaderSize], body) != h.crc {
				t.Fatalf("frame at %d (want %d): %+v, %v", fr.off, off, h, err)
			}
			off += h.frameLen()
			want += uint64(h.count)
		}
		if s.end != off || s.next() != want {
			t.Fatalf("end %d, next %d; frames end at %d, next %d", s.end, s.next(), off, want)
		}
		if s.torn != (s.end < int64(len(data))) || (s.torn && !tail) {
			t.Fatalf("torn %v (tail %v) with %d bytes after the frames", s.torn, tail, int64(len(data))-s.end)
		}
	})
}

// FuzzOpen opens a log whose older segments are whole and whose newest
// segment is fuzzed. Open never panics. If it refuses, it says ErrCorrupt
// (or ErrVersion) and changes no file. If it opens, it kept every whole
// frame before the first bad byte, cut only after them, left the older
// segments' events intact, and appends the next seq.
func FuzzOpen(f *testing.F) {
	segs := seedSegments(f)
	older, tail := segs[:len(segs)-1], segs[len(segs)-1]
	first := tail.scan.hdr.first // where the older segments end
	f.Add(tail.data)
	f.Add(tail.data[:len(tail.data)-5])
	f.Add(tail.data[:segHeaderSize+3])
	f.Add(append(tail.data[:len(tail.data):len(tail.data)], tail.data[segHeaderSize:]...))
	f.Add(segs[0].data)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for _, s := range older {
			if err := os.WriteFile(filepath.Join(dir, s.name), s.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(dir, tail.name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		before := snapshotDir(t, dir)
		l, err := Open(dir, Options{SegmentBytes: 1 << 20, Now: fixedClock})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("unexpected error %v", err)
			}
			sameFiles(t, dir, before)
			return
		}
		defer l.Close()
		good, next := wholeFrames(data, first)
		after, err := os.ReadFile(path)
		switch {
		case good == 0 && err == nil:
			t.Fatalf("a tail without a whole header that follows on was kept (%d bytes)", len(after))
		case good > 0 && (err != nil || !bytes.Equal(after, data[:good])):
			t.Fatalf("the tail was cut to %d bytes, its whole frames end at %d (%v)", len(after), good, err)
		case good == 0:
			next = first
		}
		n := 0
		for e, err := range l.Events(context.Background(), 1) {
			if err != nil {
				break // the fuzzed frames may hold bad records: Verify's business
			}
			n++
			if e.Seq != uint64(n) {
				t.Fatalf("event %d has seq %d", n, e.Seq)
			}
		}
		if n < int(first-1) {
			t.Fatalf("only %d events readable; the older segments hold %d", n, first-1)
		}
		last, err := l.Append(context.Background(), sampleEvent(1))
		if err != nil || last != next {
			t.Fatalf("append after open: seq %d, %v; want %d", last, err, next)
		}
	})
}

// wholeFrames returns where the whole frames at the start of a tail segment
// end (0 if its header is not whole) and the seq after them, found without
// scanSegment.
func wholeFrames(data []byte, first uint64) (int64, uint64) {
	h, err := parseSegHeader(data)
	if err != nil || h.first != first {
		return 0, 0
	}
	off, next := int64(segHeaderSize), first
	for {
		fh, _, err := parseFrame(data[off:])
		if err != nil || fh.first != next {
			return off, next
		}
		off += fh.frameLen()
		next += uint64(fh.count)
	}
}

var (
	seedOnce sync.Once
	seedDir  string
	seedSegs []segFile
)

// seedSegments returns the segments of a small real log, built once: a
// sealed segment and loose tails with raw and compressed frames.
func seedSegments(f *testing.F) []segFile {
	seedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "events-fuzz-seed")
		if err != nil {
			f.Fatal(err)
		}
		defer os.RemoveAll(dir)
		l, err := Open(dir, Options{SegmentBytes: 4096, Now: fixedClock})
		if err != nil {
			f.Fatal(err)
		}
		ctx := context.Background()
		rich := richEvent()
		rich.Seq = 0
		for _, evs := range [][]Event{noisyEvents(0, 15), {rich}, noisyEvents(100, 15), {sampleEvent(1)},
			bulkEvents(200, 20), {sampleEvent(2)}, {sampleEvent(3)}} {
			if _, err := l.Append(ctx, evs...); err != nil {
				f.Fatal(err)
			}
		}
		l.Close()
		seedSegs = readSegments(f, dir)
		if len(seedSegs) < 3 || !seedSegs[0].sealed() || len(seedSegs[len(seedSegs)-1].scan.frames) < 3 {
			f.Fatalf("seed log has %d segments", len(seedSegs))
		}
	})
	return seedSegs
}
