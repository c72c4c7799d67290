package events

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// TestTailFollowsAppends reads, with a Tail on a second (read-only) Log of
// the same folder, while a writer appends across seals and rollovers: every
// event arrives exactly once, in order, and a Read with nothing new yields
// nothing. The writer's own reads move the shared cache past the Tail each
// round, which must not make the Tail skip or repeat anything.
func TestTailFollowsAppends(t *testing.T) {
	dir := t.TempDir()
	w := openT(t, dir, Options{SegmentBytes: 2048})
	r := openT(t, dir, Options{ReadOnly: true})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		tail *Tail
	}{{"writer's log", w.Tail(0)}, {"reader's log", r.Tail(1)}} {
		t.Run(tc.name, func(t *testing.T) {
			tail, want := tc.tail, uint64(1)
			if _, err := w.Append(ctx, sampleEvent(0)); err != nil {
				t.Fatal(err)
			}
			for round := range 60 {
				batch := make([]Event, round%5)
				for i := range batch {
					batch[i] = sampleEvent(round*5 + i)
				}
				if len(batch) > 0 {
					if _, err := w.Append(ctx, batch...); err != nil {
						t.Fatal(err)
					}
				}
				collect(t, w, want) // the shared cache runs ahead of the tail
				for e, err := range tail.Read(ctx) {
					if err != nil {
						t.Fatalf("round %d: %v", round, err)
					}
					if e.Seq != want {
						t.Fatalf("round %d: got seq %d, want %d", round, e.Seq, want)
					}
					want++
				}
				if got := collect(t, w, 0); uint64(len(got)) != want-1 || tail.Next() != want {
					t.Fatalf("round %d: tail at %d (next %d), log holds %d", round, want, tail.Next(), len(got))
				}
			}
			for range tail.Read(ctx) {
				t.Fatal("a Read with nothing new yielded an event")
			}
		})
	}
}

// TestTailStopEarly: a Read stopped after one event resumes after it.
func TestTailStopEarly(t *testing.T) {
	l := openT(t, t.TempDir(), Options{})
	ctx := context.Background()
	if _, err := l.Append(ctx, sampleEvent(1), sampleEvent(2), sampleEvent(3)); err != nil {
		t.Fatal(err)
	}
	tail := l.Tail(2)
	for e := range tail.Read(ctx) {
		if e.Seq != 2 {
			t.Fatalf("first read: seq %d", e.Seq)
		}
		break
	}
	var got []uint64
	for e := range tail.Read(ctx) {
		got = append(got, e.Seq)
	}
	if len(got) != 1 || got[0] != 3 {
		t.Fatalf("second read: %v, want [3]", got)
	}
}

// TestCaughtUpLookAllocatesLittle: a look that finds nothing new (the
// orchestrator's stream and Store make one on every wake-up) costs a few
// syscalls, not a decoder: its intern map was three quarters of the CPU of
// such a look.
func TestCaughtUpLookAllocatesLittle(t *testing.T) {
	dir := t.TempDir()
	w := openT(t, dir, Options{})
	r := openT(t, dir, Options{ReadOnly: true})
	ctx := context.Background()
	if _, err := w.Append(ctx, sampleEvent(1), sampleEvent(2)); err != nil {
		t.Fatal(err)
	}
	tail := r.Tail(0)
	for range tail.Read(ctx) {
	}
	collect(t, r, 1)
	const looks = 100
	for _, tc := range []struct {
		name string
		look func()
	}{
		{"Events", func() {
			for range r.Events(ctx, 3) {
				t.Fatal("read an event; want none")
			}
		}},
		{"Tail", func() {
			for range tail.Read(ctx) {
				t.Fatal("read an event; want none")
			}
		}},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range looks {
			tc.look()
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / looks; per > 4<<10 {
			t.Errorf("%s: a look that finds nothing allocates %d bytes", tc.name, per)
		}
	}
}

// TestTailKeepsItsDecoder: a Tail reads a few new events at a time (the
// orchestrator's stream, once per append) without a new Decoder each Read,
// and the strings it keeps interned between Reads stay bounded while every
// atom still decodes as it was written.
func TestTailKeepsItsDecoder(t *testing.T) {
	l := openT(t, t.TempDir(), Options{})
	ctx := context.Background()
	tail := l.Tail(0)
	const batch = 100
	next, want := 0, uint64(1)
	for round := range 2*tailInterned/batch + 2 {
		evs := make([]Event, batch)
		for i := range evs {
			evs[i] = sampleEvent(next)
			evs[i].Atom = fmt.Sprintf("dev-libs/unique%d-1", next) // never seen before
			next++
		}
		if _, err := l.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		for e, err := range tail.Read(ctx) {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if e.Seq != want || e.Atom != fmt.Sprintf("dev-libs/unique%d-1", want-1) {
				t.Fatalf("round %d: seq %d atom %q, want seq %d", round, e.Seq, e.Atom, want)
			}
			want++
		}
		if tail.dec == nil || len(tail.dec.intern) > tailInterned+2*batch {
			t.Fatalf("round %d: the tail's decoder interns %d strings", round, len(tail.dec.intern))
		}
	}
	if _, err := l.Append(ctx, sampleEvent(1)); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range tail.Read(ctx) {
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<10 {
		t.Errorf("a Read of one new event allocated %d bytes: a Decoder of its own?", got)
	}
}
