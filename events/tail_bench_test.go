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
