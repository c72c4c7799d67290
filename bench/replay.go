package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/projections"
)

// farm is the large log replay_1m builds and the later probes reuse, laid
// out as `swarm` expects: root/.swarm/{config.toml,events/,snapshots/}.
type farm struct {
	root    string
	last    uint64        // the log's last sequence number
	built   time.Duration // how long building it took
	initErr error         // `swarm init` failed (status_cold_ms reports it)
	snapErr error         // the snapshot for status_cold_ms could not be written
}

func (f *farm) swarmDir() string  { return filepath.Join(f.root, ".swarm") }
func (f *farm) eventsDir() string { return filepath.Join(f.swarmDir(), "events") }
func (f *farm) snapDir() string   { return filepath.Join(f.swarmDir(), "snapshots") }

// replay measures folding the whole log into every projection against the
// raw decode-and-fold of rawfold.go, then leaves a snapshot at the log's end
// for status_cold_ms.
func (r *runner) replay(ctx context.Context) error {
	const name = "replay_1m"
	r.progress("%s: build a %d-event log, then %d rounds of replay into all projections vs raw decode-and-fold",
		name, r.sz.replayEvents, r.sz.replayRounds)
	f, err := r.buildFarm(ctx)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	r.farm, f.snapErr = f, errors.New("the replay did not finish")
	log, err := events.Open(f.eventsDir(), events.Options{ReadOnly: true, Logger: r.log})
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer log.Close()
	n := int(f.last)
	fold := newRawFold()
	defer fold.Close()
	var state *projections.State
	rawM := func(ctx context.Context) (sample, error) {
		c := startClock()
		got, err := fold.run(f.eventsDir())
		if err == nil && got != n {
			err = fmt.Errorf("raw fold read %d events, the log holds %d", got, n)
		}
		return c.rate(n), err
	}
	swarmM := func(ctx context.Context) (sample, error) {
		c := startClock()
		st, err := projections.Replay(ctx, log, nil, 0)
		if err == nil && st.Seq != f.last {
			err = fmt.Errorf("replay stopped at seq %d, the log holds %d", st.Seq, f.last)
		}
		state = st
		return c.rate(n), err
	}
	rounds, err := r.interleave(ctx, name, r.sz.replayRounds, rawM, swarmM)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	res := summarize(name, unitRate, rounds, headline, ratioAtLeast(0.6))
	res.Detail += fmt.Sprintf("; %d events built in %.1fs", n, f.built.Seconds())
	r.add(res)
	f.snapErr = saveSnapshot(ctx, log, state, f.snapDir())
	return nil
}

// saveSnapshot writes st as a snapshot tied to log.
func saveSnapshot(ctx context.Context, log *events.Log, st *projections.State, dir string) error {
	head, err := log.ChainAfter(ctx, st.Seq)
	if err != nil {
		return err
	}
	return projections.Save(dir, st, head)
}

// buildFarm writes the replay log, 1,000 events per Append as a busy
// orchestrator's bulk writes would, after `swarm init` when there is a swarm
// binary (so its config.toml sits beside the log).
func (r *runner) buildFarm(ctx context.Context) (*farm, error) {
	f := &farm{root: filepath.Join(r.scratch, "farm")}
	if bin := r.opts.SwarmBinary; bin != "" {
		if _, err := runSwarm(ctx, bin, "init", f.root); err != nil {
			f.initErr = err
		}
	}
	log, err := events.Open(f.eventsDir(), events.Options{SegmentBytes: r.sz.segmentBytes, Logger: r.log})
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	defer log.Close()
	mix := eventmix.New(mixSeed, mixDrones)
	batch := make([]events.Event, bulkEvents)
	t0 := time.Now()
	for left := r.sz.replayEvents; left > 0; left -= len(batch) {
		batch = batch[:min(left, bulkEvents)]
		for i := range batch {
			mix.Next(&batch[i])
		}
		if f.last, err = log.Append(ctx, batch...); err != nil {
			return nil, fmt.Errorf("build log: %w", err)
		}
	}
	f.built = time.Since(t0)
	return f, nil
}
