package events

import (
	"bytes"
	"context"
	"encoding/binary"
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
			f.Add(s.data[fr.off:], false)
		}
	}
	f.Add(make([]byte, frameHeaderSize), true)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix {
			fixFrameCRC(b, 0)
		}
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
		f.Add(s.data, true, false)
		f.Add(s.data, false, true)
		f.Add(s.data[:len(s.data)-3], true, false)
	}
	f.Add([]byte{}, true, false)
	f.Add(make([]byte, 40), true, true)
	f.Fuzz(func(t *testing.T, data []byte, tail, fix bool) {
		if fix {
			fixChecksums(data)
		}
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
	f.Add(tail.data, false)
	f.Add(tail.data[:len(tail.data)-5], false)
	f.Add(tail.data[:segHeaderSize+3], false)
	f.Add(append(tail.data[:len(tail.data):len(tail.data)], tail.data[segHeaderSize:]...), false)
	f.Add(segs[0].data, true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		if fix {
			fixChecksums(data)
		}
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
			t.Logf("open refused: %v", err)
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

// fixChecksums rewrites the checksums of the segment header and of every
// frame found by following the length words from the first, so that the
// fuzzer's changes get past the checksums into what is behind them.
func fixChecksums(data []byte) {
	if len(data) < segHeaderSize {
		return
	}
	binary.LittleEndian.PutUint32(data[12:], segHeaderCRC(data))
	for off := int64(segHeaderSize); fixFrameCRC(data, off); {
		off += frameHeaderSize + int64(binary.LittleEndian.Uint32(data[off:])) + int64(data[off+9]%frameAlign)
	}
}

// fixFrameCRC rewrites the checksum of the frame at off, if its length word
// fits in data, and reports whether it did.
func fixFrameCRC(data []byte, off int64) bool {
	if off+frameHeaderSize > int64(len(data)) {
		return false
	}
	n := int64(binary.LittleEndian.Uint32(data[off:]))
	if n == 0 || off+frameHeaderSize+n > int64(len(data)) {
		return false
	}
	hdr := data[off : off+frameHeaderSize]
	binary.LittleEndian.PutUint32(hdr[4:], frameCRC(hdr, data[off+frameHeaderSize:off+frameHeaderSize+n]))
	return true
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

// FuzzSealSegment seals a loose segment of events decoded from the fuzzer's
// bytes (any times, any fields, any grouping into frames) and reads it back
// the way readers do: Verify recomputes the same chain, and the Events
// iterator (which decodes delta-coded records directly) yields events whose
// canonical records are the original ones. Sealing changes framing only.
func FuzzSealSegment(f *testing.F) {
	for _, s := range seedSegments(f) {
		var recs []byte
		for _, fr := range s.scan.frames {
			_, stored, _ := parseFrame(s.data[fr.off:])
			body, err := frameRecords(fr.hdr, stored)
			if err != nil {
				f.Fatal(err)
			}
			for len(body) > 0 {
				rec, rest, _ := nextRecord(body)
				recs = append(append(recs, byte(min(len(rec), 255))), rec[:min(len(rec), 255)]...)
				body = rest
			}
		}
		f.Add(recs, uint8(3))
	}
	f.Add([]byte{3, 1, 0, 1}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, group uint8) {
		var evs []Event
		d := NewDecoder()
		for len(data) > 0 && len(evs) < 2000 {
			n := min(int(data[0]), len(data)-1)
			var e Event
			if d.Decode(data[1:1+n], &e) == nil {
				e.Seq = uint64(len(evs) + 1)
				evs = append(evs, e)
			}
			data = data[1+n:]
		}
		if len(evs) == 0 {
			return
		}
		loose := segHeader{version: formatVersion, first: 1}.encode()
		var head Hash
		for i := 0; i < len(evs); {
			n := min(1+int(group)%16, len(evs)-i)
			var body []byte
			prev := head
			for k := i; k < i+n; k++ {
				start := len(body)
				body = appendRecordPrefixed(body, &evs[k])
				head = chainNext(head, recordAt(body, start))
			}
			loose = appendFrame(loose, uint64(i+1), n, prev, 0, body)
			i += n
		}
		sealed, err := sealSegment("fuzz.seg", loose)
		if err != nil {
			t.Fatalf("seal: %v", err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), sealed, 0o644); err != nil {
			t.Fatal(err)
		}
		l := openT(t, dir, Options{ReadOnly: true})
		r, err := l.Verify(context.Background())
		if err != nil || r.Head != head || r.Events != uint64(len(evs)) {
			t.Fatalf("verify sealed: %+v, %v; want %d events, head %v", r, err, len(evs), head)
		}
		i := 0
		for e, err := range l.Events(context.Background(), 1) {
			if err != nil {
				t.Fatal(err)
			}
			if i >= len(evs) || !bytes.Equal(AppendRecord(nil, e), AppendRecord(nil, &evs[i])) {
				t.Fatalf("event %d read back from the sealed segment as %+v, want %+v", i+1, *e, evs[min(i, len(evs)-1)])
			}
			i++
		}
		if i != len(evs) {
			t.Fatalf("read %d events back, sealed %d", i, len(evs))
		}
	})
}
