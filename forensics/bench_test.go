package forensics

import (
	"context"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/projections"
)

// sliceSource is a log held in memory.
type sliceSource []events.Event

func (s sliceSource) Events(_ context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		for i := range s {
			if s[i].Seq >= from {
				e := s[i]
				if !yield(&e, nil) {
					return
				}
			}
		}
	}
}

// BenchmarkForensicsVsReplay measures what --incidents and --what-if cost
// over a plain replay of the same log (the eventmix farm: 200,000 events,
// 24 drones, in memory), as ratios of interleaved rounds: replay, find,
// what-if, replay, find, what-if, …; the medians are reported.
func BenchmarkForensicsVsReplay(b *testing.B) {
	evs := eventmix.Generate(1, 24, 200_000)
	for i := range evs {
		evs[i].Seq = uint64(i) + 1
	}
	src := sliceSource(evs)
	ctx := context.Background()
	r := commands.DefaultRules()
	tried := r
	tried.GroundAfter = 3
	var findR, whatR []float64
	for b.Loop() {
		t0 := time.Now()
		if _, err := projections.Replay(ctx, src, nil, 0); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := Find(ctx, src, r.SystemicWindow, time.Time{}); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := (WhatIf{Recorded: r, Rules: tried}).Run(ctx, src, 0); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		base := t1.Sub(t0).Seconds()
		findR = append(findR, t2.Sub(t1).Seconds()/base)
		whatR = append(whatR, t3.Sub(t2).Seconds()/base)
		b.ReportMetric(base*1e3, "replay_ms")
	}
	b.ReportMetric(median(findR), "find/replay")
	b.ReportMetric(median(whatR), "whatif/replay")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
