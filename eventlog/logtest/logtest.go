// Package logtest is the conformance suite every eventlog.Log backend
// passes: run it from the backend's tests with an Opener.
package logtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
)

// Opener opens (creating it if new) the backend's log kept in dir. The
// suite closes what it opens.
type Opener func(t testing.TB, dir string) eventlog.Log

// wait bounds how long the suite waits for something observable (a followed
// event); generous, since the machine may be busy. Nothing is timed.
const wait = time.Minute

// Run runs every conformance case against the backend. Its crash case
// re-runs the test binary as a child: the package's TestMain must call
// CrashChild first.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"AppendRead", testAppendRead},
		{"Conflict", testConflict},
		{"LargeAppend", testLargeAppend},
		{"Concurrent", testConcurrent},
		{"ConcurrentAppend", testConcurrentAppend},
		{"Follow", testFollow},
		{"Reopen", testReopen},
		{"Chain", testChain},
		{"Crash", RunCrash},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

// Ev is a test event from actor, with enough fields set to catch a field
// that does not survive a backend.
func Ev(actor string, n int) events.Event {
	return events.Event{
		Time: time.UnixMilli(1_700_000_000_000 + int64(n)).UTC(), Type: events.TypeEnqueued, Actor: actor,
		Atom: fmt.Sprintf("dev-libs/pkg-%d", n), Deps: []string{"a/b", "c/d"}, Priority: uint64(n),
		Until: time.UnixMilli(1_700_000_100_000 + int64(n)).UTC(), CPUPercent: 12.5,
	}
}

func openClose(t *testing.T, open Opener, dir string) eventlog.Log {
	t.Helper()
	l := open(t, dir)
	t.Cleanup(func() { l.Close() })
	return l
}

// ReadAll is every event of l from seq from, copied.
func ReadAll(t testing.TB, l eventlog.Log, from uint64) []events.Event {
	t.Helper()
	var out []events.Event
	for e, err := range l.Events(context.Background(), from) {
		if err != nil {
			t.Fatalf("read from %d: %v", from, err)
		}
		out = append(out, *e)
	}
	return out
}

// sameEvents checks got against want record by record.
func sameEvents(t *testing.T, got, want []events.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d events, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := events.AppendRecord(nil, &got[i]), events.AppendRecord(nil, &want[i])
		if !bytes.Equal(g, w) {
			t.Fatalf("event %d: read %+v, want %+v", i, got[i], want[i])
		}
	}
}

func testAppendRead(t *testing.T, open Opener) {
	ctx := context.Background()
	l := openClose(t, open, t.TempDir())
	if n, err := l.Last(ctx); err != nil || n != 0 {
		t.Fatalf("Last of a new log = %d, %v; want 0", n, err)
	}
	if got := ReadAll(t, l, 1); len(got) != 0 {
		t.Fatalf("a new log holds %d events", len(got))
	}
	var want []events.Event
	for i := range 3 {
		e := []events.Event{Ev("one", i)}
		seq, err := l.Append(ctx, e...)
		if err != nil || seq != uint64(i+1) || e[0].Seq != seq {
			t.Fatalf("Append %d = %d, %v; the event was given seq %d", i, seq, err, e[0].Seq)
		}
		want = append(want, e...)
	}
	batch := []events.Event{Ev("batch", 10), Ev("batch", 11), Ev("batch", 12), Ev("batch", 13)}
	batch[1].Time = time.Time{} // the log stamps it
	if seq, err := l.AppendIf(ctx, 3, batch...); err != nil || seq != 7 {
		t.Fatalf("AppendIf(3, 4 events) = %d, %v; want 7", seq, err)
	}
	if batch[1].Time.IsZero() || batch[3].Seq != 7 {
		t.Fatalf("the batch was not stamped: %+v", batch)
	}
	want = append(want, batch...)
	sameEvents(t, ReadAll(t, l, 0), want)
	sameEvents(t, ReadAll(t, l, 5), want[4:])
	if got := ReadAll(t, l, 8); len(got) != 0 {
		t.Fatalf("read %d events past the end", len(got))
	}
	if n, err := l.Last(ctx); err != nil || n != 7 {
		t.Fatalf("Last = %d, %v; want 7", n, err)
	}
}

func testConflict(t *testing.T, open Opener) {
	ctx := context.Background()
	l := openClose(t, open, t.TempDir())
	if _, err := l.AppendIf(ctx, 0, Ev("a", 1), Ev("a", 2)); err != nil {
		t.Fatal(err)
	}
	for _, expect := range []uint64{0, 1, 3, 100} {
		_, err := l.AppendIf(ctx, expect, Ev("late", 3), Ev("late", 4), Ev("late", 5))
		if !errors.Is(err, events.ErrConflict) {
			t.Fatalf("AppendIf(%d) on a log at 2: %v, want ErrConflict", expect, err)
		}
	}
	if got := ReadAll(t, l, 1); len(got) != 2 {
		t.Fatalf("after refused appends the log holds %d events, want 2 (all or nothing)", len(got))
	}
	if seq, err := l.AppendIf(ctx, 2, Ev("b", 3)); err != nil || seq != 3 {
		t.Fatalf("AppendIf(2) after the refusals = %d, %v", seq, err)
	}
}

// testLargeAppend: one decision may mean thousands of events (swarm fresh
// enqueuing a tree); they land as one append, or not at all.
func testLargeAppend(t *testing.T, open Opener) {
	ctx := context.Background()
	l := openClose(t, open, t.TempDir())
	const n = 5000
	evs := make([]events.Event, n)
	for i := range evs {
		evs[i] = Ev("fresh", i)
	}
	if seq, err := l.AppendIf(ctx, 0, evs...); err != nil || seq != n {
		t.Fatalf("AppendIf of %d events = %d, %v", n, seq, err)
	}
	for i := range evs {
		evs[i] = Ev("late", i)
	}
	if _, err := l.AppendIf(ctx, 0, evs...); !errors.Is(err, events.ErrConflict) {
		t.Fatalf("a stale AppendIf of %d events: %v, want ErrConflict", n, err)
	}
	got := ReadAll(t, l, 1)
	if len(got) != n || got[n-1].Actor != "fresh" {
		t.Fatalf("the log holds %d events, the last by %q; want %d by fresh", len(got), got[len(got)-1].Actor, n)
	}
}

// testConcurrent races writers on the same positions: exactly one wins each,
// and a winner's two events are never split or interleaved.
func testConcurrent(t *testing.T, open Opener) {
	ctx := context.Background()
	l := openClose(t, open, t.TempDir())
	const writers, target = 6, 60
	var wins atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			actor := fmt.Sprintf("w%d", w)
			for n := 0; ; n++ {
				last, err := l.Last(ctx)
				if err != nil {
					errc <- err
					return
				}
				if last >= target {
					return
				}
				_, err = l.AppendIf(ctx, last, Ev(actor, n), Ev(actor, n))
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, events.ErrConflict):
					errc <- fmt.Errorf("%s: %w", actor, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	got := ReadAll(t, l, 1)
	if int64(len(got)) != 2*wins.Load() {
		t.Fatalf("%d events for %d winning appends of 2", len(got), wins.Load())
	}
	for i := 0; i < len(got); i += 2 {
		if got[i].Seq != uint64(i+1) || got[i+1].Actor != got[i].Actor || got[i+1].Atom != got[i].Atom {
			t.Fatalf("events %d and %d are not one append: %+v %+v", i+1, i+2, got[i], got[i+1])
		}
	}
	mustVerify(t, l, uint64(len(got)))
}

// testConcurrentAppend has many goroutines Append at once: every append
// succeeds (the log sequences them; none is lost to a conflict) and lands
// whole.
func testConcurrentAppend(t *testing.T, open Opener) {
	ctx := context.Background()
	l := openClose(t, open, t.TempDir())
	const writers, each = 16, 20
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for n := range each {
				evs := []events.Event{Ev(fmt.Sprintf("w%d", w), n), Ev(fmt.Sprintf("w%d", w), n)}
				seq, err := l.Append(ctx, evs...)
				if err != nil {
					errc <- fmt.Errorf("writer %d append %d: %w", w, n, err)
					return
				}
				if evs[0].Seq != seq-1 || evs[1].Seq != seq {
					errc <- fmt.Errorf("writer %d append %d returned seq %d, stamped its events %d and %d", w, n, seq, evs[0].Seq, evs[1].Seq)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	got := ReadAll(t, l, 1)
	if len(got) != 2*writers*each {
		t.Fatalf("%d events, want %d", len(got), 2*writers*each)
	}
	for i := 0; i < len(got); i += 2 {
		if got[i+1].Actor != got[i].Actor || got[i+1].Atom != got[i].Atom {
			t.Fatalf("events %d and %d are not one append", i+1, i+2)
		}
	}
	mustVerify(t, l, uint64(len(got)))
}

func testFollow(t *testing.T, open Opener) {
	l := openClose(t, open, t.TempDir())
	if _, err := l.Append(context.Background(), Ev("a", 1)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	seen := make(chan uint64, 16)
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for e, err := range l.Follow(ctx, 1) {
			if err != nil {
				done <- err
				return
			}
			seen <- e.Seq
		}
	}()
	next := func() uint64 {
		select {
		case s := <-seen:
			return s
		case err := <-done:
			t.Fatalf("Follow ended early: %v", err)
		case <-ctx.Done():
			t.Fatal("Follow yielded nothing within a minute")
		}
		return 0
	}
	if s := next(); s != 1 {
		t.Fatalf("Follow began at seq %d, want 1", s)
	}
	for i := 2; i <= 4; i++ { // each append only after the last one was seen: Follow waits
		if _, err := l.Append(context.Background(), Ev("a", i)); err != nil {
			t.Fatal(err)
		}
		if s := next(); s != uint64(i) {
			t.Fatalf("Follow yielded seq %d, want %d", s, i)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Follow after its context ended: %v", err)
	}
}

func testReopen(t *testing.T, open Opener) {
	ctx := context.Background()
	dir := t.TempDir()
	l := open(t, dir)
	var want []events.Event
	for i := range 5 {
		e := []events.Event{Ev("a", i), Ev("a", i+100)}
		if _, err := l.Append(ctx, e...); err != nil {
			t.Fatal(err)
		}
		want = append(want, e...)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	l = openClose(t, open, dir)
	sameEvents(t, ReadAll(t, l, 1), want)
	if n, err := l.Last(ctx); err != nil || n != 10 {
		t.Fatalf("Last after reopening = %d, %v; want 10", n, err)
	}
	if seq, err := l.AppendIf(ctx, 10, Ev("b", 1)); err != nil || seq != 11 {
		t.Fatalf("AppendIf after reopening = %d, %v", seq, err)
	}
	mustVerify(t, l, 11)
}

func testChain(t *testing.T, open Opener) {
	ctx := context.Background()
	l := openClose(t, open, t.TempDir())
	for i := range 4 {
		if _, err := l.Append(ctx, Ev("a", i), Ev("b", i)); err != nil {
			t.Fatal(err)
		}
	}
	var head, at3 events.Hash
	for _, e := range ReadAll(t, l, 1) {
		head = events.ChainNext(head, events.AppendRecord(nil, &e))
		if e.Seq == 3 {
			at3 = head
		}
	}
	r := mustVerify(t, l, 8)
	if r.Head != head {
		t.Fatalf("Verify's head %s, the chain over the records read %s", r.Head, head)
	}
	for seq, want := range map[uint64]events.Hash{0: {}, 3: at3, 8: head} {
		if h, err := l.ChainAfter(ctx, seq); err != nil || h != want {
			t.Fatalf("ChainAfter(%d) = %s, %v; want %s", seq, h, err, want)
		}
	}
}

func mustVerify(t *testing.T, l eventlog.Log, last uint64) events.Report {
	t.Helper()
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if r.Last != last || r.Events != last {
		t.Fatalf("Verify saw %d events ending at %d, want %d", r.Events, r.Last, last)
	}
	return r
}
