package events

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openT(t testing.TB, dir string, opts Options) *Log {
	t.Helper()
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func collect(t testing.TB, l *Log, from uint64) []Event {
	t.Helper()
	var out []Event
	for e, err := range l.Events(context.Background(), from) {
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		out = append(out, *e)
	}
	return out
}

func sampleEvent(i int) Event {
	return Event{Type: TypeClaimed, Actor: fmt.Sprintf("drone%d", i%3), Atom: fmt.Sprintf("dev-libs/foo%d-1.%d", i%50, i%7),
		Drone: fmt.Sprintf("drone%d", i%3), Fence: uint64(i), Lease: time.Minute, Attempt: uint32(i % 4)}
}

func TestAppendReopenRead(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir, Options{SegmentBytes: 4096})
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		last, err := l.Append(ctx, sampleEvent(i))
		if err != nil || last != uint64(i+1) {
			t.Fatalf("append %d: last %d err %v", i, last, err)
		}
	}
	bulk := make([]Event, 2000)
	for i := range bulk {
		bulk[i] = Event{Type: TypeEnqueued, Actor: "operator", Atom: fmt.Sprintf("dev-libs/bulk%d-1", i)}
	}
	if last, err := l.Append(ctx, bulk...); err != nil || last != 2300 {
		t.Fatalf("bulk: %d %v", last, err)
	}
	if bulk[0].Seq != 301 || bulk[1999].Seq != 2300 {
		t.Fatalf("seqs not filled in: %d %d", bulk[0].Seq, bulk[1999].Seq)
	}
	l.Close()
	l2 := openT(t, dir, Options{SegmentBytes: 4096})
	got := collect(t, l2, 1)
	if len(got) != 2300 {
		t.Fatalf("got %d events", len(got))
	}
	for i, e := range got {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
	if got[5].Atom != sampleEvent(5).Atom || got[5].Lease != time.Minute {
		t.Fatalf("round trip: %+v", got[5])
	}
	if from := collect(t, l2, 2000); len(from) != 301 || from[0].Seq != 2000 {
		t.Fatalf("from 2000: %d events, first %d", len(from), from[0].Seq)
	}
	r, err := l2.Verify(ctx)
	if err != nil || r.Events != 2300 {
		t.Fatalf("verify: %+v %v", r, err)
	}
	if r.Segments < 2 {
		t.Fatalf("expected sealing into several segments, got %d", r.Segments)
	}
	h, err := l2.ChainAfter(ctx, 2300)
	if err != nil || h != r.Head {
		t.Fatalf("chain after: %v %v want %v", h, err, r.Head)
	}
	if last, err := l2.Append(ctx, sampleEvent(1)); err != nil || last != 2301 {
		t.Fatalf("append after reopen: %d %v", last, err)
	}
}

func TestAppendIfConflict(t *testing.T) {
	l := openT(t, t.TempDir(), Options{})
	ctx := context.Background()
	if _, err := l.AppendIf(ctx, 0, sampleEvent(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AppendIf(ctx, 0, sampleEvent(1)); !errors.Is(err, ErrConflict) {
		t.Fatalf("want conflict, got %v", err)
	}
	if last, err := l.AppendIf(ctx, 1, sampleEvent(1)); err != nil || last != 2 {
		t.Fatalf("%d %v", last, err)
	}
}

func TestConcurrentAppendersTwoLogs(t *testing.T) {
	dir := t.TempDir()
	a := openT(t, dir, Options{SegmentBytes: 8192})
	b := openT(t, dir, Options{SegmentBytes: 8192})
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			l := a
			if g%2 == 1 {
				l = b
			}
			for i := 0; i < 50; i++ {
				if _, err := l.Append(context.Background(), sampleEvent(g*1000+i)); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	got := collect(t, a, 1)
	if len(got) != 800 {
		t.Fatalf("got %d events, want 800", len(got))
	}
	if _, err := a.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = filepath.Join
	_ = os.Remove
}
