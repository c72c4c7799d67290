package jetstream_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/logtest"
	"github.com/swarm-build/swarm/events"
)

// BenchmarkAppendVsFile measures appends to the JetStream log, embedded as
// a single node and as a three-member cluster in this process (routes over
// loopback TCP, replicas 3, production's Raft timing), both SyncAlways, and
// to the file log on the same disk, round by round interleaved (the order
// rotated each round), and reports each probe as the median of the
// per-round backend/file ratios: the machine is shared, so only ratios
// from one run mean anything. Run it with
//
//	go test -run XXX -bench AppendVsFile -benchtime 1x -v ./eventlog/jetstream
//
// Probes: single (one writer, one event per append: events/s and the p50 and
// p99 latency of an append), writers_16 (16 goroutines, one event per
// Append each), batch_4 and bulk_1000 (AppendIfs of 4 and of 1,000 events:
// one frame, one atomic batch; batch_4 also p50/p99 of one append),
// read_all (Events from seq 1 over the whole log the other probes made,
// ~30,000 events: a replay).
func BenchmarkAppendVsFile(b *testing.B) {
	const rounds = 5
	ctx := context.Background()
	root := b.TempDir()
	raftProduction()
	defer raftTiming()
	backends := []string{"file", "jetstream", "cluster"}
	logs := map[string]eventlog.Log{
		"file":      openFileB(b, filepath.Join(root, "file")),
		"jetstream": openJS(b, filepath.Join(root, "js")),
		"cluster":   openCluster(b, filepath.Join(root, "cluster")),
	}
	defer func() {
		for _, l := range logs {
			l.Close()
		}
	}()
	type figs = map[string]float64
	probes := []struct {
		name string
		run  func(l eventlog.Log) (figs, error)
	}{
		{"single", func(l eventlog.Log) (figs, error) { return probeWriters(ctx, l, 1, 300) }},
		{"writers_16", func(l eventlog.Log) (figs, error) { return probeWriters(ctx, l, 16, 40) }},
		{"batch_4", func(l eventlog.Log) (figs, error) { return probeBatch(ctx, l, 40, 4) }},
		{"bulk_1000", func(l eventlog.Log) (figs, error) { return probeBatch(ctx, l, 5, 1000) }},
		{"read_all", func(l eventlog.Log) (figs, error) { return probeRead(ctx, l) }},
	}
	b.ResetTimer()
	for _, p := range probes {
		per := map[string][]figs{}
		for r := range rounds {
			order := append(slices.Clone(backends[r%3:]), backends[:r%3]...)
			for _, name := range order {
				runtime.GC()
				f, err := p.run(logs[name])
				if err != nil {
					b.Fatalf("%s %s round %d: %v", p.name, name, r+1, err)
				}
				per[name] = append(per[name], f)
			}
		}
		for _, key := range []string{"events/s", "p50_ms", "p99_ms"} {
			if _, ok := per["file"][0][key]; !ok {
				continue
			}
			line := fmt.Sprintf("%-10s %-8s file %11.3f", p.name, key, median(column(per["file"], key)))
			for _, name := range backends[1:] {
				var ratios []float64
				for r := range rounds {
					ratios = append(ratios, per[name][r][key]/per["file"][r][key])
				}
				line += fmt.Sprintf("  %s %11.3f ratio %.3fx (%.3f–%.3f)", name, median(column(per[name], key)),
					median(ratios), slices.Min(ratios), slices.Max(ratios))
				b.ReportMetric(median(ratios), p.name+"_"+key+"_"+name+"/file")
			}
			b.Log(line)
		}
	}
}

// column is one figure of every round.
func column(rounds []map[string]float64, key string) []float64 {
	var out []float64
	for _, f := range rounds {
		out = append(out, f[key])
	}
	return out
}

func openFileB(b *testing.B, dir string) eventlog.Log {
	l, err := eventlog.OpenFile(dir, events.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// probeWriters has w goroutines make n single-event Appends each.
func probeWriters(ctx context.Context, l eventlog.Log, w, n int) (map[string]float64, error) {
	lat := make([][]time.Duration, w)
	errs := make(chan error, w)
	var wg sync.WaitGroup
	t0 := time.Now()
	for g := range w {
		wg.Go(func() {
			for i := range n {
				s := time.Now()
				if _, err := l.Append(ctx, logtest.Ev(fmt.Sprint(g), i)); err != nil {
					errs <- err
					return
				}
				lat[g] = append(lat[g], time.Since(s))
			}
		})
	}
	wg.Wait()
	el := time.Since(t0)
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	ms := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) / 1e6 }
	return map[string]float64{"events/s": float64(w*n) / el.Seconds(), "p50_ms": ms(0.5), "p99_ms": ms(0.99)}, nil
}

// probeBatch makes k appends of size events each (at the tail Last says:
// timed, the append alone).
func probeBatch(ctx context.Context, l eventlog.Log, k, size int) (map[string]float64, error) {
	evs := make([]events.Event, size)
	var lat []time.Duration
	t0 := time.Now()
	for range k {
		for i := range evs {
			evs[i] = logtest.Ev("bulk", i)
		}
		last, err := l.Last(ctx)
		if err != nil {
			return nil, err
		}
		s := time.Now()
		if _, err := l.AppendIf(ctx, last, evs...); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(s))
	}
	slices.Sort(lat)
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
	f := map[string]float64{"events/s": float64(k*len(evs)) / time.Since(t0).Seconds()}
	if size <= 4 {
		f["p50_ms"], f["p99_ms"] = ms(0.5), ms(0.99)
	}
	return f, nil
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

// probeRead reads the whole log.
func probeRead(ctx context.Context, l eventlog.Log) (map[string]float64, error) {
	t0 := time.Now()
	n := 0
	for _, err := range l.Events(ctx, 1) {
		if err != nil {
			return nil, err
		}
		n++
	}
	return map[string]float64{"events/s": float64(n) / time.Since(t0).Seconds()}, nil
}
