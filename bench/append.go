package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/eventmix"
)

const unitRate = "events/s"

// appendSingle measures one Append, one fdatasync, per event.
func (r *runner) appendSingle(ctx context.Context) error {
	const name = "append_single"
	r.progress("%s: %d rounds × %v a side, one event and one fdatasync a call (write+fdatasync vs Append)",
		name, r.sz.rounds, r.sz.slice)
	raw, log, done, err := r.openPair(name)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer done()
	r.looseLog = log.Dir()
	evs := eventmix.Generate(mixSeed, mixDrones, min(r.sz.single, 4096))
	recs := encodeEach(evs)
	rawM := func(ctx context.Context) (sample, error) {
		c := startClock()
		n, err := timed(r.sz.slice, r.sz.single, func(i int) error { return raw.writeSync(recs[i%len(recs)]) })
		return c.rate(n), err
	}
	swarmM := func(ctx context.Context) (sample, error) {
		c := startClock()
		n, err := timed(r.sz.slice, r.sz.single, func(i int) error {
			_, err := log.Append(ctx, evs[i%len(evs)])
			return err
		})
		return c.rate(n), err
	}
	rounds, err := r.interleave(ctx, name, r.sz.rounds, rawM, swarmM)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	r.add(summarize(name, unitRate, rounds, headline, report))
	return nil
}

// appendGroup measures 64 concurrent single-event appenders, whose appends
// group commit shares fdatasyncs between.
func (r *runner) appendGroup(ctx context.Context) error {
	const name = "append_group_64"
	r.progress("%s: %d rounds × %v a side, %d writers of one event a call (hand-written group commit vs Append)",
		name, r.sz.rounds, r.sz.slice, groupWriters)
	raw, log, done, err := r.openPair(name)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer done()
	per := min(r.sz.groupPer, 64)
	evs := eventmix.Generate(mixSeed, mixDrones, groupWriters*per)
	recs := encodeEach(evs)
	group := &rawGroup{file: raw}
	rawM := func(ctx context.Context) (sample, error) {
		return concurrently(groupWriters, r.sz.groupPer, r.sz.slice, func(w, i int) error {
			return group.append(recs[w*per+i%per])
		})
	}
	swarmM := func(ctx context.Context) (sample, error) {
		return concurrently(groupWriters, r.sz.groupPer, r.sz.slice, func(w, i int) error {
			_, err := log.Append(ctx, evs[w*per+i%per])
			return err
		})
	}
	rounds, err := r.interleave(ctx, name, r.sz.rounds, rawM, swarmM)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	r.add(summarize(name, unitRate, rounds, headline, ratioAtLeast(0.8)),
		summarize(name+"_p99", "ms", rounds, p99, report))
	return nil
}

// concurrently runs fn(w, i) in each of writers goroutines, started
// together, for i < per or until slice has passed, and returns the rate of
// calls and their p99 latency.
func concurrently(writers, per int, slice time.Duration, fn func(w, i int) error) (sample, error) {
	lats := make([][]time.Duration, writers)
	errs := make([]error, writers)
	start := make(chan struct{})
	var ready, wg sync.WaitGroup
	ready.Add(writers)
	wg.Add(writers)
	for w := 0; w < writers; w++ {
		go func() {
			defer wg.Done()
			ready.Done()
			<-start
			lats[w], errs[w] = timedLatencies(slice, per, func(i int) error { return fn(w, i) })
		}()
	}
	ready.Wait()
	c := startClock()
	close(start)
	wg.Wait()
	var all []time.Duration
	for w := range lats {
		if errs[w] != nil {
			return sample{}, errs[w]
		}
		all = append(all, lats[w]...)
	}
	s := c.rate(len(all))
	s.p99 = percentile(all, 0.99)
	return s, nil
}

// timedLatencies is timed, keeping each call's latency.
func timedLatencies(slice time.Duration, max int, fn func(i int) error) ([]time.Duration, error) {
	lats := make([]time.Duration, 0, min(max, 1024))
	_, err := timed(slice, max, func(i int) error {
		t0 := time.Now()
		err := fn(i)
		lats = append(lats, time.Since(t0))
		return err
	})
	return lats, err
}

// appendBulk measures Append of 1,000 events per call against one write of
// the same records, already encoded, and one fdatasync.
func (r *runner) appendBulk(ctx context.Context) error {
	const name = "append_bulk_1000"
	r.progress("%s: %d rounds × %v a side, %d events a call (write+fdatasync of encoded bytes vs Append)",
		name, r.sz.rounds, r.sz.slice, bulkEvents)
	raw, log, done, err := r.openPair(name)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer done()
	const batches = 8
	evs := eventmix.Generate(mixSeed, mixDrones, batches*bulkEvents)
	blobs := make([][]byte, batches)
	for b := range blobs {
		for _, rec := range encodeEach(evs[b*bulkEvents : (b+1)*bulkEvents]) {
			blobs[b] = append(blobs[b], rec...)
		}
	}
	rawM := func(ctx context.Context) (sample, error) {
		c := startClock()
		n, err := timed(r.sz.slice, r.sz.bulkCalls, func(i int) error { return raw.writeSync(blobs[i%batches]) })
		return c.rate(n * bulkEvents), err
	}
	swarmM := func(ctx context.Context) (sample, error) {
		c := startClock()
		n, err := timed(r.sz.slice, r.sz.bulkCalls, func(i int) error {
			b := i % batches
			_, err := log.Append(ctx, evs[b*bulkEvents:(b+1)*bulkEvents]...)
			return err
		})
		return c.rate(n * bulkEvents), err
	}
	rounds, err := r.interleave(ctx, name, r.sz.rounds, rawM, swarmM)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	r.add(summarize(name, unitRate, rounds, headline, report))
	return nil
}

// openPair opens a probe's raw file and event log side by side in its own
// folder of the scratch folder; done closes both.
func (r *runner) openPair(name string) (*rawFile, *events.Log, func(), error) {
	dir := filepath.Join(r.scratch, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, nil, err
	}
	raw, err := openRaw(filepath.Join(dir, "raw.dat"))
	if err != nil {
		return nil, nil, nil, err
	}
	log, err := events.Open(filepath.Join(dir, "events"), events.Options{Logger: r.log})
	if err != nil {
		raw.Close()
		return nil, nil, nil, fmt.Errorf("open log: %w", err)
	}
	return raw, log, func() { raw.Close(); log.Close() }, nil
}

// encodeEach returns each event's record with its length prefix, as the log
// stores it; the raw probes write these bytes.
func encodeEach(evs []events.Event) [][]byte {
	out := make([][]byte, len(evs))
	var rec []byte
	for i := range evs {
		e := evs[i]
		e.Seq = uint64(i + 1)
		rec = events.AppendRecord(rec[:0], &e)
		b := binary.AppendUvarint(make([]byte, 0, len(rec)+2), uint64(len(rec)))
		out[i] = append(b, rec...)
	}
	return out
}
