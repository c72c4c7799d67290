package commands

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Outcome is what Execute did.
type Outcome struct {
	Events []events.Event // as appended: Seq and Time filled in; empty if nothing to do
	// State is the State after the batch the command was decided in: its
	// events and those of the commands decided with it (shared: do not
	// modify).
	State *projections.State
}

// pending is one Execute waiting for its batch.
type pending struct {
	ctx  context.Context // the caller's: a caller that gave up is not decided
	d    Decider
	wake chan bool // true: lead the next batch; false: answered
	evs  []events.Event
	out  Outcome
	err  error
}

// commitStats count what the committer did, for metrics and tests.
type commitStats struct {
	batches, commands, appends, conflicts atomic.Uint64
}

// CommitStats is what Store.Stats reports.
type CommitStats struct {
	Batches  uint64 // batches decided
	Commands uint64 // Execute calls decided in them
	Appends  uint64 // appends that succeeded: one write and one fsync each
	// Conflicts counts batches decided again because another process
	// appended first (each cost a reload of the State).
	Conflicts uint64
}

// Stats reports how the store's commands were batched.
func (s *Store) Stats() CommitStats {
	return CommitStats{Batches: s.stats.batches.Load(), Commands: s.stats.commands.Load(),
		Appends: s.stats.appends.Load(), Conflicts: s.stats.conflicts.Load()}
}

// Execute decides d against the latest State and appends its events, and
// returns once they are durable.
//
// Commands are group-committed at the level of decisions: the first caller
// to find no batch running leads one; it takes every command queued so
// far, decides them in order, each against the State with the events of
// the ones before it folded in, and appends all their events with one
// write and one fsync; then it hands the lead to the first command that
// queued meanwhile. A decider's error answers only its own caller. The
// append is conditional (AppendIf): if another process appended since the
// State was read, the State is reloaded and the whole batch decided again,
// which is how a CLI call and a running orchestrator share one .swarm/.
func (s *Store) Execute(ctx context.Context, d Decider) (Outcome, error) {
	if err := ctx.Err(); err != nil {
		return Outcome{}, err
	}
	p := &pending{ctx: ctx, d: d, wake: make(chan bool, 1)}
	s.qmu.Lock()
	s.queue = append(s.queue, p)
	if s.leading {
		s.qmu.Unlock()
		if lead := <-p.wake; !lead {
			return p.out, p.err
		}
		s.qmu.Lock()
	}
	s.leading = true
	if s.gather() {
		s.qmu.Unlock()
		if s.gatherSleep != nil {
			s.gatherSleep(gatherDelay)
		} else {
			time.Sleep(gatherDelay)
		}
		s.qmu.Lock()
	}
	batch := s.queue
	s.queue = nil
	s.lastBatch = len(batch)
	s.qmu.Unlock()

	s.mu.Lock()
	s.commitLocked(context.WithoutCancel(ctx), batch)
	s.mu.Unlock()
	for _, r := range batch {
		if r != p {
			r.wake <- false
		}
	}
	s.qmu.Lock()
	if len(s.queue) > 0 {
		next := s.queue[0]
		s.qmu.Unlock()
		next.wake <- true // leading stays true across the hand-over
	} else {
		s.leading = false
		s.qmu.Unlock()
	}
	return p.out, p.err
}

// Under load, a leader waits gatherDelay before it takes its batch, for
// the commands arriving meanwhile to join it: when the batch before held at
// least gatherSiblings commands and fewer than that are queued yet. It is
// PostgreSQL's commit_delay with commit_siblings, for the same reason:
// every batch costs one fdatasync, a fixed price whatever the batch holds
// (~75 µs of CPU on the bench machine, most of what the server spends on
// a claim and its completion together), so a busy farm's CPU goes further
// in bigger batches. A lone command, or a farm whose batches are small,
// never waits.
//
// Measured (issue 10's claims probe, 64 drones): fdatasyncs per claim and
// completion 0.17 → 0.12, throughput against the raw probe up by about
// 0.04; the wait adds at most gatherDelay to a command's latency, and the
// claim p99 stayed where it was (10–12 ms at 64 drones, 3.1–4.1 at 16).
const (
	gatherDelay    = 100 * time.Microsecond
	gatherSiblings = 8
)

// gather reports whether the leader should wait for more commands (see
// gatherDelay). s.qmu is held.
func (s *Store) gather() bool {
	return s.lastBatch >= gatherSiblings && len(s.queue) < s.lastBatch
}

// commitLocked decides and appends one batch, deciding it again while
// another writer got there first. s.mu must be held.
func (s *Store) commitLocked(ctx context.Context, batch []*pending) {
	s.stats.batches.Add(1)
	s.stats.commands.Add(uint64(len(batch)))
	for range maxAttempts {
		if s.Broken() != nil {
			s.oneByOneLocked(ctx, batch)
			return
		}
		if err := s.tryLocked(ctx, batch); !errors.Is(err, events.ErrConflict) {
			return
		}
		s.stats.conflicts.Add(1)
	}
	for _, r := range batch {
		r.out, r.err = Outcome{}, ErrConflictRetries
	}
}

// maxKeptBatch is the most events of one batch whose buffer tryLocked
// keeps for the next: a drone's batch is tens, an enqueue of a whole plan
// thousands, which would hold megabytes for nothing.
const maxKeptBatch = 1024

// tryLocked decides the batch against the current State, folding each
// command's events in before the next is decided, and appends them all
// on the condition that the log has not moved. It returns ErrConflict when
// it moved; other errors are already the answers. The State then holds
// events that are not in the log, so it is dropped and reloaded.
func (s *Store) tryLocked(ctx context.Context, batch []*pending) error {
	st, err := s.loadLocked(ctx)
	if err != nil {
		answerAll(batch, Outcome{}, err)
		return err
	}
	base := st.Seq
	all := s.batch[:0]
	defer func() { // keep the buffer, not what it points at; not a bulk enqueue's
		clear(all)
		s.batch = nil
		if cap(all) <= maxKeptBatch {
			s.batch = all[:0]
		}
	}()
	firstWrite := len(batch) // the first command with events
	for i, r := range batch {
		r.evs, r.err = nil, r.ctx.Err()
		if r.err != nil {
			continue
		}
		evs, err := decide(r.d, st)
		if err != nil || len(evs) == 0 {
			r.err = err
			continue
		}
		s.prepare(st.Seq, evs)
		for k := range evs {
			st.Apply(&evs[k])
		}
		r.evs, firstWrite = evs, min(firstWrite, i)
		all = append(all, evs...)
	}
	if len(all) > 0 {
		if _, err := s.log.AppendIf(ctx, base, all...); err != nil {
			s.state = nil
			if errors.Is(err, events.ErrConflict) {
				return err
			}
			// Every command decided after the first write saw events that
			// are not in the log: none of their answers stands.
			answerAll(batch[firstWrite:], Outcome{}, err)
			return err
		}
		s.stats.appends.Add(1)
		s.known.Store(st.Seq)
		for i := range all {
			s.observeLocked(&all[i])
		}
	}
	for _, r := range batch {
		if r.err == nil {
			r.out = Outcome{Events: r.evs, State: st}
		} else {
			r.out = Outcome{State: st}
		}
	}
	return nil
}

// prepare stamps evs as the append after event last will store them, so
// the State folds them as they will be (a claim's fencing token is its
// seq): the file log's Prepare, or events.Stamp with the store's clock for
// a backend that stores a stamped event unchanged.
func (s *Store) prepare(last uint64, evs []events.Event) {
	if s.prep != nil {
		s.prep.Prepare(last, evs)
		return
	}
	now := time.Now
	if s.opts.Now != nil {
		now = s.opts.Now
	}
	t := now().UTC()
	for i := range evs {
		events.Stamp(&evs[i], last+1+uint64(i), t)
	}
}

// decide runs d, turning a panic into its caller's error: the batch's
// other commands and the commands queued behind it go on.
func decide(d Decider, st *projections.State) (evs []events.Event, err error) {
	defer func() {
		if p := recover(); p != nil {
			evs, err = nil, fmt.Errorf("%w: %v", ErrDeciderPanic, p)
		}
	}()
	return d(st)
}

func answerAll(batch []*pending, out Outcome, err error) {
	for _, r := range batch {
		r.out, r.err = out, err
	}
}

// oneByOneLocked decides each command alone and appends it, as the store
// did before it batched: while the log refuses appends (a full disk), a
// command that appends nothing still gets its answer, and the State never
// holds an event the log refused.
func (s *Store) oneByOneLocked(ctx context.Context, batch []*pending) {
	for _, r := range batch {
		r.out, r.err = s.executeOneLocked(ctx, r)
	}
}

func (s *Store) executeOneLocked(ctx context.Context, r *pending) (Outcome, error) {
	for range maxAttempts {
		if err := r.ctx.Err(); err != nil {
			return Outcome{}, err
		}
		st, err := s.loadLocked(ctx)
		if err != nil {
			return Outcome{}, err
		}
		evs, err := decide(r.d, st)
		if err != nil || len(evs) == 0 {
			return Outcome{State: st}, err
		}
		if _, err := s.log.AppendIf(ctx, st.Seq, evs...); errors.Is(err, events.ErrConflict) {
			continue
		} else if err != nil {
			return Outcome{State: st}, err
		}
		s.stats.appends.Add(1)
		for i := range evs {
			st.Apply(&evs[i])
			s.observeLocked(&evs[i])
		}
		return Outcome{Events: evs, State: st}, nil
	}
	return Outcome{}, ErrConflictRetries
}
