package events

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkFollowBehindSharedCache measures what the orchestrator's event
// stream pays to read one new event when another reader (the store) has
// already read it: Events, whose shared cache is then past the reader and
// so reads the newest segment whole, against a Tail with a cache of its
// own. Rounds interleave the two (append, store reads, Events reads; append,
// store reads, Tail reads) and the figure is the median per-round ratio.
// The loose tail holds ~3 MB, most of a 4 MB segment, as on a busy farm.
func BenchmarkFollowBehindSharedCache(b *testing.B) {
	l := openT(b, b.TempDir(), Options{})
	ctx := context.Background()
	batch := make([]Event, 8) // small appends, as a farm makes them: a loose tail of many frames
	for range 4000 {
		for i := range batch {
			batch[i] = sampleEvent(i)
		}
		if _, err := l.Append(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
	size, _ := l.Size()
	step := func(read func(from uint64)) time.Duration {
		last, err := l.Append(ctx, sampleEvent(1))
		if err != nil {
			b.Fatal(err)
		}
		for range l.Events(ctx, last) { // the store keeps up first
		}
		start := time.Now()
		read(last)
		return time.Since(start)
	}
	tail := l.Tail(0)
	for range tail.Read(ctx) {
	}
	var ratios []float64
	var evTotal, tailTotal time.Duration
	b.ResetTimer()
	for range b.N {
		ev := step(func(from uint64) {
			for range l.Events(ctx, from) {
			}
		})
		tl := step(func(uint64) {
			for range tail.Read(ctx) { // reads the previous round's append too
			}
		})
		evTotal, tailTotal = evTotal+ev, tailTotal+tl
		ratios = append(ratios, float64(ev)/float64(max(tl, 1)))
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "events/tail")
	b.ReportMetric(float64(evTotal.Microseconds())/float64(b.N), "events-µs/op")
	b.ReportMetric(float64(tailTotal.Microseconds())/float64(b.N), "tail-µs/op")
	b.ReportMetric(float64(size)/(1<<20), "log-MiB")
}

// BenchmarkTailCaughtUp measures what a reader that keeps up pays per look:
// with nothing new (Events from the log's shared cache, and a Tail), and
// after one event another process appended (a Tail reads its bytes). This
// is the path the cache exists for: a stat of the tail, the read of the
// last frame's header that proves the file is still the one read, a stat
// of the next segment's name. The loose tail holds 1.9 MiB, as in
// BenchmarkFollowBehindSharedCache; its size does not matter here.
func BenchmarkTailCaughtUp(b *testing.B) {
	dir := b.TempDir()
	w := openT(b, dir, Options{})
	r := openT(b, dir, Options{ReadOnly: true})
	ctx := context.Background()
	batch := make([]Event, 8)
	for range 4000 {
		for i := range batch {
			batch[i] = sampleEvent(i)
		}
		if _, err := w.Append(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
	tail := r.Tail(0)
	for range tail.Read(ctx) {
	}
	last := uint64(len(collect(b, r, 1)))
	look := func(b *testing.B, read func() int) {
		listings := r.listings.Load()
		for range b.N {
			if n := read(); n != 0 {
				b.Fatalf("read %d events, want none", n)
			}
		}
		if n := r.listings.Load() - listings; n != 0 {
			b.Fatalf("a reader that keeps up listed the folder %d times", n)
		}
	}
	b.Run("events-nothing-new", func(b *testing.B) {
		look(b, func() int { return len(collect(b, r, last+1)) })
	})
	b.Run("tail-nothing-new", func(b *testing.B) {
		look(b, func() int {
			n := 0
			for range tail.Read(ctx) {
				n++
			}
			return n
		})
	})
	b.Run("tail-one-new", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			if _, err := w.Append(ctx, sampleEvent(1)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			n := 0
			for range tail.Read(ctx) {
				n++
			}
			if n != 1 {
				b.Fatalf("read %d events, want 1", n)
			}
		}
	})
}
