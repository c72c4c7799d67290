package bench

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/projections"
)

// The go test -bench mirrors of Run's probes, for profiling one at a time:
//
//	go test -run XXX -bench Replay1M -cpuprofile cpu.out ./bench/

var shared struct {
	once sync.Once
	dir  string // holds the prebuilt replay log, removed by TestMain
	farm *farm
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// replayLog builds the 1M-event log once for every benchmark that reads it.
func replayLog(b *testing.B) *farm {
	b.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "swarm-bench-test-"); shared.err != nil {
			return
		}
		r := &runner{sz: defaultSizes(true), scratch: shared.dir, report: &Report{}, log: discard()}
		shared.farm, shared.err = r.buildFarm(context.Background())
	})
	if shared.err != nil {
		b.Fatal(shared.err)
	}
	return shared.farm
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func perSecond(b *testing.B, events int) {
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// cpuPerOp reports the process's CPU time per iteration since c0: on shared
// cores it is steadier than the wall-clock ns/op.
func cpuPerOp(b *testing.B, c0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
}

func openLog(b *testing.B) *events.Log {
	b.Helper()
	log, err := events.Open(filepath.Join(b.TempDir(), "events"), events.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { log.Close() })
	return log
}

func openRawT(b *testing.B) *rawFile {
	b.Helper()
	raw, err := openRaw(filepath.Join(b.TempDir(), "raw.dat"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	return raw
}

func BenchmarkAppendSingle(b *testing.B) {
	log := openLog(b)
	evs := eventmix.Generate(mixSeed, mixDrones, 4096)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := log.Append(ctx, evs[i%len(evs)]); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, b.N)
}

func BenchmarkRawAppendSingle(b *testing.B) {
	raw := openRawT(b)
	recs := encodeEach(eventmix.Generate(mixSeed, mixDrones, 4096))
	for i := 0; b.Loop(); i++ {
		if err := raw.writeSync(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, b.N)
}

// group runs b.N calls of fn spread over 64 writers and reports events/s
// and the p99 latency.
func group(b *testing.B, fn func(w, i, per int) error) {
	per := (b.N + groupWriters - 1) / groupWriters
	b.ResetTimer()
	s, err := concurrently(groupWriters, per, time.Hour, func(w, i int) error { return fn(w, i, per) })
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(s.v, "events/s")
	b.ReportMetric(s.p99, "p99-ms")
}

func BenchmarkAppendGroup64(b *testing.B) {
	log := openLog(b)
	evs := eventmix.Generate(mixSeed, mixDrones, 4096)
	ctx := context.Background()
	group(b, func(w, i, per int) error {
		_, err := log.Append(ctx, evs[(w*per+i)%len(evs)])
		return err
	})
}

func BenchmarkRawAppendGroup64(b *testing.B) {
	g := &rawGroup{file: openRawT(b)}
	recs := encodeEach(eventmix.Generate(mixSeed, mixDrones, 4096))
	group(b, func(w, i, per int) error { return g.append(recs[(w*per+i)%len(recs)]) })
}

func BenchmarkAppendBulk1000(b *testing.B) {
	log := openLog(b)
	evs := eventmix.Generate(mixSeed, mixDrones, 8*bulkEvents)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		k := i % 8 * bulkEvents
		if _, err := log.Append(ctx, evs[k:k+bulkEvents]...); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, b.N*bulkEvents)
}

func BenchmarkRawAppendBulk1000(b *testing.B) {
	raw := openRawT(b)
	var blob []byte
	for _, rec := range encodeEach(eventmix.Generate(mixSeed, mixDrones, bulkEvents)) {
		blob = append(blob, rec...)
	}
	for b.Loop() {
		if err := raw.writeSync(blob); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, b.N*bulkEvents)
}

func BenchmarkReplay1M(b *testing.B) {
	f := replayLog(b)
	log, err := events.Open(f.eventsDir(), events.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	c0 := cpuTime()
	for b.Loop() {
		st, err := projections.Replay(context.Background(), log, nil, 0)
		if err != nil || st.Seq != f.last {
			b.Fatalf("replay: seq %d of %d, %v", st.Seq, f.last, err)
		}
	}
	cpuPerOp(b, c0)
	perSecond(b, b.N*int(f.last))
}

func BenchmarkRawReplay1M(b *testing.B) {
	f := replayLog(b)
	fold := newRawFold()
	defer fold.Close()
	c0 := cpuTime()
	for b.Loop() {
		n, err := fold.run(f.eventsDir())
		if err != nil || n != int(f.last) {
			b.Fatalf("raw fold: %d of %d, %v", n, f.last, err)
		}
	}
	cpuPerOp(b, c0)
	perSecond(b, b.N*int(f.last))
}

// BenchmarkEventsOnly1M is replay without the projections: what reading and
// decoding the log costs on its own.
func BenchmarkEventsOnly1M(b *testing.B) {
	f := replayLog(b)
	log, err := events.Open(f.eventsDir(), events.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	c0 := cpuTime()
	for b.Loop() {
		n := 0
		for _, err := range log.Events(context.Background(), 1) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != int(f.last) {
			b.Fatalf("read %d of %d", n, f.last)
		}
	}
	cpuPerOp(b, c0)
	perSecond(b, b.N*int(f.last))
}

// BenchmarkBuildLog1M is how long Run takes to build the replay log.
func BenchmarkBuildLog1M(b *testing.B) {
	for b.Loop() {
		r := &runner{sz: defaultSizes(true), scratch: b.TempDir(), report: &Report{}, log: discard()}
		t0 := time.Now()
		if _, err := r.buildFarm(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(t0).Seconds(), "s/build")
	}
}
