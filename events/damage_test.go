package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Damage tests on real files, after etcd's repair_test.go: build a log with
// the real writer, damage its files the way a crash or a disk does, and check
// what Open, Verify and the iterator make of it.

const damageSegmentBytes = 8 << 10

// buildDamageLog writes a log of three segments: two sealed and a loose
// tail of six frames, the last a bulk of three. It returns the folder and
// every event in it.
func buildDamageLog(t testing.TB) (string, []Event) {
	t.Helper()
	dir := t.TempDir()
	l, err := Open(dir, Options{SegmentBytes: damageSegmentBytes, Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var evs []Event
	for seg := range 2 {
		for i := range 20 {
			evs = append(evs, appendT(t, l, sampleEvent(100*seg+i))...)
		}
		evs = append(evs, appendT(t, l, noisyEvents(1000*seg, 60)...)...) // fills the segment
	}
	for i := range 5 {
		evs = append(evs, appendT(t, l, sampleEvent(300+i))...)
	}
	evs = append(evs, appendT(t, l, bulkEvents(8000, 3)...)...)

	segs := readSegments(t, dir)
	if len(segs) != 3 || !segs[0].sealed() || !segs[1].sealed() || segs[2].sealed() ||
		len(segs[2].scan.frames) != 6 || segs[2].scan.torn {
		logShape(t, segs)
		t.Fatal("the damage fixture does not have the intended shape")
	}
	return dir, evs
}

// buildSealedTailLog writes a log whose only segment is sealed, in several
// frames, as a crash between sealing a segment and starting the next leaves
// it.
func buildSealedTailLog(t testing.TB) (string, []Event) {
	t.Helper()
	dir := t.TempDir()
	l, err := Open(dir, Options{SegmentBytes: damageSegmentBytes, Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var evs []Event
	for i := range 10 {
		evs = append(evs, appendT(t, l, sampleEvent(i))...)
	}
	evs = append(evs, appendT(t, l, excerptEvents(100, 160)...)...) // over 256 KiB of records
	next := appendT(t, l, sampleEvent(10))                          // seals the first segment
	if err := os.Remove(filepath.Join(dir, segmentName(next[0].Seq))); err != nil {
		t.Fatal(err)
	}
	segs := readSegments(t, dir)
	if len(segs) != 1 || !segs[0].sealed() || len(segs[0].scan.frames) < 2 {
		logShape(t, segs)
		t.Fatal("the sealed-tail fixture does not have the intended shape")
	}
	return dir, evs
}

func logShape(t testing.TB, segs []segFile) {
	t.Helper()
	for _, s := range segs {
		t.Logf("%s: %d frames, sealed %v, %d bytes", s.name, len(s.scan.frames), s.sealed(), len(s.data))
	}
}

// excerptEvents returns n failures carrying 2 KiB build-log excerpts, so a
// few events make a large frame.
func excerptEvents(i, n int) []Event {
	evs := bulkEvents(i, n)
	for k := range evs {
		evs[k].Type, evs[k].Signature = TypeFailed, "slot-conflict"
		evs[k].Excerpt = strings.Repeat(fmt.Sprintf("!!! build %d failed at line %d\n", i+k, k), 64)
	}
	return evs
}

// noisyEvents returns n uploads carrying digests, which compress poorly, so
// a few events fill a loose segment.
func noisyEvents(i, n int) []Event {
	evs := bulkEvents(i, n)
	for k := range evs {
		var digests []byte
		for j := range 4 {
			sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", evs[k].Reason, j))
			digests = hex.AppendEncode(digests, sum[:])
		}
		evs[k].Type, evs[k].SHA256 = TypeBinpkgUploaded, string(digests)
	}
	return evs
}

// damage is one byte to change in a segment file.
type damage struct {
	what string
	off  int64 // in the file
	mask byte
}

// frameDamage lists a change to every field of the frame's header and to
// its body. The padding after the body is not listed: no checksum covers it,
// and no reader looks at it.
func frameDamage(fr frameRef) []damage {
	body, n := fr.off+frameHeaderSize, int64(fr.hdr.bodyLen)
	ds := []damage{
		{"length", 0, 0x01}, {"length high byte", 3, 0x01}, {"crc", 4, 0x01}, {"flag zstd", 8, flagZstd},
		{"flag delta", 8, flagDelta}, {"padding size", 9, 0x01}, {"reserved", 10, 0x01}, {"count", 12, 0x01},
		{"first seq", 16, 0x01}, {"first seq high byte", 23, 0x80}, {"chain value", 24, 0x01},
		{"chain value end", 55, 0x80},
	}
	for i := range ds {
		ds[i].off += fr.off
	}
	return append(ds, damage{"body start", body, 0x01}, damage{"body middle", body + n/2, 0x10},
		damage{"body end", body + n - 1, 0x80})
}

var segHeaderDamage = []damage{
	{"magic", 0, 0x20}, {"version", 8, 0x01}, {"crc", 12, 0x01}, {"first seq", 16, 0x01},
	{"chain value", 24, 0x01}, {"chain value end", 55, 0x80},
}

func flipByte(t testing.TB, path string, off int64, mask byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= mask
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDamageIsRefused flips one byte of every header field and of the body
// of every frame (but the tail's last, see TestDamagedLastFrameIsCut), in
// sealed and loose segments, last and not last, and of every segment header.
// A writer must refuse to open the log (ErrCorrupt naming segment and
// offset) without touching a file; a reader opens it, but Verify and the
// iterator report the damage and the iterator yields no event past it.
func TestDamageIsRefused(t *testing.T) {
	t.Run("three segments", func(t *testing.T) {
		dir, evs := buildDamageLog(t)
		testDamage(t, dir, evs)
	})
	t.Run("sealed tail", func(t *testing.T) {
		dir, evs := buildSealedTailLog(t)
		testDamage(t, dir, evs)
	})
}

func testDamage(t *testing.T, base string, evs []Event) {
	segs := readSegments(t, base)
	ctl := openT(t, copyDir(t, base), Options{SegmentBytes: damageSegmentBytes})
	checkEvents(t, ctl, evs) // the undamaged log is whole: the cases below can fail
	type damageCase struct {
		seg    string
		d      damage
		where  string
		intact []Event
	}
	var cases []damageCase
	var names []string
	for i, s := range segs {
		frames := s.scan.frames
		if i == len(segs)-1 {
			frames = frames[:len(frames)-1]
		}
		kind := "loose"
		if s.sealed() {
			kind = "sealed"
		}
		for _, d := range segHeaderDamage {
			cases = append(cases, damageCase{s.name, d, "", evs[:s.scan.hdr.first-1]})
			names = append(names, fmt.Sprintf("%s %s header %s", kind, s.name, d.what))
		}
		for j, fr := range frames {
			for _, d := range frameDamage(fr) {
				cases = append(cases, damageCase{s.name, d, fmt.Sprintf("offset %d", fr.off), evs[:fr.hdr.first-1]})
				names = append(names, fmt.Sprintf("%s %s frame %d %s", kind, s.name, j, d.what))
			}
		}
	}
	t.Logf("%d cases of damage in %d segments", len(cases), len(segs))
	runCases(t, names, func(t testing.TB, i int) {
		c := cases[i]
		checkDamaged(t, base, c.seg, c.d, c.where, c.intact)
	})
}

// checkDamaged applies d to a copy of the log in base and checks that it is
// refused and reported. intact are the events before the damaged frame.
func checkDamaged(t testing.TB, base, seg string, d damage, where string, intact []Event) {
	ctx := context.Background()
	dir := copyDir(t, base)
	flipByte(t, filepath.Join(dir, seg), d.off, d.mask)
	before := snapshotDir(t, dir)

	l, err := Open(dir, Options{SegmentBytes: damageSegmentBytes})
	if err == nil {
		l.Close()
	}
	wantCorrupt(t, err, seg, where)
	sameFiles(t, dir, before)

	ro := openT(t, dir, Options{ReadOnly: true})
	_, err = ro.Verify(ctx)
	wantCorrupt(t, err, seg, where)
	n := 0
	err = nil
	for e, ierr := range ro.Events(ctx, 1) {
		if ierr != nil {
			err = ierr
			break
		}
		if n >= len(intact) || !sameEvent(*e, intact[n]) {
			t.Fatalf("iterator yielded %+v as event %d, past or unlike the intact events", *e, n+1)
		}
		n++
	}
	wantCorrupt(t, err, seg, where)
	if _, err := ro.Append(ctx, sampleEvent(1)); err != ErrReadOnly {
		t.Fatalf("append on a read-only log: %v", err)
	}
	sameFiles(t, dir, before)
}

// TestTornTailIsCut truncates the tail segment at every offset inside its
// last frame, raw and compressed, as a crash in the middle of a write leaves
// it. Open must cut exactly the partial frame, save the cut bytes as
// NAME.torn-OFFSET, keep every event before it, and append the next seq.
func TestTornTailIsCut(t *testing.T) {
	for _, tc := range []struct {
		name string
		last int // events in the last append
		flag uint8
	}{
		{"raw frame", 3, 0},
		{"compressed frame", 9, flagZstd}, // 2 KiB excerpts: over compressAbove
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			opts := Options{SegmentBytes: 2048, Now: fixedClock}
			l := openT(t, base, opts)
			var evs []Event
			for i := range 30 {
				evs = append(evs, appendT(t, l, sampleEvent(i))...)
			}
			last := bulkEvents(500, tc.last)
			if tc.flag != 0 {
				last = excerptEvents(500, tc.last)
			}
			evs = append(evs, appendT(t, l, last...)...)
			l.Close()

			segs := readSegments(t, base)
			tail := segs[len(segs)-1]
			fr := tail.scan.frames[len(tail.scan.frames)-1]
			if len(segs) < 2 || len(tail.scan.frames) < 2 || fr.hdr.count != uint32(tc.last) || fr.hdr.flags != tc.flag {
				t.Fatalf("fixture: %d segments, tail of %d frames, last frame %+v", len(segs), len(tail.scan.frames), fr.hdr)
			}
			kept := evs[:fr.hdr.first-1]
			var names []string
			for off := fr.off; off < tail.scan.end; off++ {
				names = append(names, fmt.Sprintf("cut at %d of frame %d..%d", off, fr.off, tail.scan.end))
			}
			runCases(t, names, func(t testing.TB, i int) {
				checkTornCut(t, base, tail, fr.off, fr.off+int64(i), kept, opts)
			})
		})
	}
}

// checkTornCut truncates a copy of the log's tail segment to size and checks
// the repair: the segment cut back to cut, the bytes after it saved, kept
// intact, the next append numbered right.
func checkTornCut(t testing.TB, base string, tail segFile, cut, size int64, kept []Event, opts Options) {
	t.Helper()
	dir := copyDir(t, base)
	path := filepath.Join(dir, tail.name)
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer l.Close()
	if fi, err := os.Stat(path); err != nil || fi.Size() != cut {
		t.Fatalf("tail segment not cut to %d: %v %v", cut, fi.Size(), err)
	}
	saved := fmt.Sprintf("%s.torn-%d", path, cut)
	b, err := os.ReadFile(saved)
	if size == cut {
		if err == nil {
			t.Fatalf("nothing was torn, yet %s was saved", saved)
		}
	} else if err != nil || string(b) != string(tail.data[cut:size]) {
		t.Fatalf("cut bytes not saved as %s (%d bytes, want %d): %v", saved, len(b), size-cut, err)
	}
	checkEvents(t, l, kept)
	got := appendT(t, l, sampleEvent(999))
	if got[0].Seq != uint64(len(kept)+1) {
		t.Fatalf("append after repair got seq %d, want %d", got[0].Seq, len(kept)+1)
	}
	if n := len(collect(t, l, got[0].Seq)); n != 1 {
		t.Fatalf("%d events from seq %d after the append, want 1", n, got[0].Seq)
	}
}

// TestTornSegmentHeaderIsCut truncates a freshly started segment (header
// only) at every offset inside its header: Open removes the segment after
// saving its bytes, and the log goes on from the segment before it.
func TestTornSegmentHeaderIsCut(t *testing.T) {
	for _, before := range []int{0, 40} {
		t.Run(fmt.Sprintf("after %d events", before), func(t *testing.T) {
			base := t.TempDir()
			opts := Options{SegmentBytes: 2048, Now: fixedClock}
			l := openT(t, base, opts)
			var evs []Event
			for i := range before {
				evs = append(evs, appendT(t, l, sampleEvent(i))...)
			}
			// Start the next segment as a writer does when the tail is full.
			if err := l.withLock(l.rollLocked); err != nil {
				t.Fatal(err)
			}
			l.Close()
			fresh := segmentName(uint64(before + 1))
			data, err := os.ReadFile(filepath.Join(base, fresh))
			if err != nil || len(data) != segHeaderSize {
				t.Fatalf("fresh segment %s: %d bytes, %v", fresh, len(data), err)
			}
			var names []string
			for size := 0; size <= segHeaderSize; size++ {
				names = append(names, fmt.Sprintf("header cut to %d bytes", size))
			}
			runCases(t, names, func(t testing.TB, size int) {
				dir := copyDir(t, base)
				path := filepath.Join(dir, fresh)
				if err := os.Truncate(path, int64(size)); err != nil {
					t.Fatal(err)
				}
				l, err := Open(dir, opts)
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				defer l.Close()
				b, serr := os.ReadFile(path + ".torn-0")
				_, ferr := os.Stat(path)
				switch {
				case size == segHeaderSize && (ferr != nil || serr == nil):
					t.Fatalf("a whole header was cut: %v %v", ferr, serr)
				case size < segHeaderSize && (ferr == nil || serr != nil || string(b) != string(data[:size])):
					t.Fatalf("torn segment not removed (%v) or not saved (%v, %d bytes)", ferr, serr, len(b))
				}
				checkEvents(t, l, evs)
				got := appendT(t, l, sampleEvent(999))
				checkEvents(t, l, append(evs[:len(evs):len(evs)], got...))
			})
		})
	}
}

// TestDamagedLastFrameIsCut documents the limit of torn-write detection: a
// flipped byte in the very last frame of the log, with nothing after it,
// looks exactly like a torn write. It is cut (and saved), never read as data.
func TestDamagedLastFrameIsCut(t *testing.T) {
	base, evs := buildDamageLog(t)
	segs := readSegments(t, base)
	tail := segs[len(segs)-1]
	fr := tail.scan.frames[len(tail.scan.frames)-1]
	ds := frameDamage(fr)
	var names []string
	for _, d := range ds {
		names = append(names, d.what)
	}
	runCases(t, names, func(t testing.TB, i int) {
		dir := copyDir(t, base)
		path := filepath.Join(dir, tail.name)
		flipByte(t, path, ds[i].off, ds[i].mask)
		l := openT(t, dir, Options{SegmentBytes: damageSegmentBytes})
		b, err := os.ReadFile(fmt.Sprintf("%s.torn-%d", path, fr.off))
		if err != nil || int64(len(b)) != tail.scan.end-fr.off {
			t.Fatalf("damaged last frame not saved: %d bytes, %v", len(b), err)
		}
		checkEvents(t, l, evs[:fr.hdr.first-1])
	})
}

// TestGarbageAfterTail appends bytes after the last whole frame. Bytes with
// no whole frame after them are a torn write: cut and saved. Bytes followed
// by a whole frame that could belong to the log (its seq is not behind the
// tail) are damage: a torn write never leaves a good frame after it.
func TestGarbageAfterTail(t *testing.T) {
	base := t.TempDir()
	opts := Options{SegmentBytes: 2048, Now: fixedClock}
	l := openT(t, base, opts)
	var evs []Event
	for i := range 25 {
		evs = append(evs, appendT(t, l, sampleEvent(i))...)
	}
	l.Close()
	segs := readSegments(t, base)
	tail := segs[len(segs)-1]
	next := tail.scan.next()
	head, err := openT(t, base, Options{ReadOnly: true}).ChainAfter(context.Background(), next-1)
	if err != nil {
		t.Fatal(err)
	}
	frame := func(first uint64) []byte {
		e := sampleEvent(int(first))
		e.Seq, e.Time = first, fixedClock()
		return appendFrame(nil, first, 1, head, 0, appendRecordPrefixed(nil, &e))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	junk := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	stale := tail.data[tail.scan.frames[0].off:tail.scan.frames[1].off]
	for _, tc := range []struct {
		name    string
		garbage []byte
		torn    bool
	}{
		{"zeros", make([]byte, 200), true},
		{"random bytes", junk(301), true},
		{"partial next frame", frame(next)[:70], true},
		{"random bytes then the next frame", append(junk(64), frame(next)...), false},
		{"random bytes then a later frame", append(junk(64), frame(next+7)...), false},
		{"zeros then the next frame", append(make([]byte, 4096), frame(next)...), false},
		{"a frame with a seq gap", frame(next + 1), false},
		{"random bytes then a stale earlier frame", append(junk(64), stale...), true},
		{"random bytes then a misaligned frame", append(junk(61), frame(next)...), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, base)
			path := filepath.Join(dir, tail.name)
			data := append(append([]byte(nil), tail.data...), tc.garbage...)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshotDir(t, dir)
			l, err := Open(dir, opts)
			if !tc.torn {
				if err == nil {
					l.Close()
				}
				wantCorrupt(t, err, tail.name, fmt.Sprintf("offset %d", len(tail.data)))
				sameFiles(t, dir, before)
				_, err := openT(t, dir, Options{ReadOnly: true}).Verify(context.Background())
				wantCorrupt(t, err, tail.name, fmt.Sprintf("offset %d", len(tail.data)))
				return
			}
			if err != nil {
				t.Fatalf("torn garbage not repaired: %v", err)
			}
			defer l.Close()
			if fi, err := os.Stat(path); err != nil || fi.Size() != int64(len(tail.data)) {
				t.Fatalf("tail not cut back to %d bytes: %v, %v", len(tail.data), fi.Size(), err)
			}
			saved, err := os.ReadFile(fmt.Sprintf("%s.torn-%d", path, len(tail.data)))
			if err != nil || string(saved) != string(tc.garbage) {
				t.Fatalf("garbage not saved aside: %v", err)
			}
			checkEvents(t, l, evs)
			if got := appendT(t, l, sampleEvent(1)); got[0].Seq != next {
				t.Fatalf("append after the cut got seq %d, want %d", got[0].Seq, next)
			}
		})
	}
}

// TestRefusedLogIsNotRepaired: when the last whole frame of the tail is
// whole by its checksum but its records do not decode (a writer's bug, not
// a crash) and a torn write follows it, Open must refuse before it repairs
// anything: the torn bytes stay where they are, nothing is saved aside.
// (Found by FuzzOpen: Open used to cut the torn write, then refuse.)
func TestRefusedLogIsNotRepaired(t *testing.T) {
	base := t.TempDir()
	l := openT(t, base, Options{SegmentBytes: 1 << 20, Now: fixedClock})
	for i := range 5 {
		appendT(t, l, sampleEvent(i))
	}
	l.Close()
	tail := readSegments(t, base)[0]
	bad := appendFrame(nil, 6, 2, Hash{}, 0, []byte{0x7f, 1, 2, 3}) // a record length past the body
	torn := appendFrame(nil, 8, 1, Hash{}, 0, []byte{1, 2, 3})[:40]
	data := append(append(append([]byte(nil), tail.data...), bad...), torn...)
	if err := os.WriteFile(filepath.Join(base, tail.name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, base)
	l, err := Open(base, Options{})
	if err == nil {
		l.Close()
	}
	wantCorrupt(t, err, tail.name, fmt.Sprintf("offset %d", len(tail.data)))
	sameFiles(t, base, before)
}
