package commands

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// snapshotter writes a long-running writer's snapshots off the hot path:
// not from the State the committer decides against (which would hold the
// store's lock while it is encoded and written, 170-250 ms for a big farm,
// issue 10) but from a State of its own, built by a goroutine from the
// newest snapshot and the log up to the seq that was due, and kept and
// moved on from then on by the events the committer's State takes in,
// handed over as they are (intake) rather than read back from the log and
// decoded again. No command waits on it; the price is that goroutine's
// CPU (the events folded a second time, each snapshot's encoding) and a
// second State's memory.
type snapshotter struct {
	startOnce sync.Once
	wake      chan struct{} // buffered 1: a snapshot is due
	target    atomic.Uint64 // the seq the next snapshot should reach
	asked     atomic.Uint64 // the seq of the last snapshot asked for
	running   atomic.Bool   // started, not stopped
	cancel    context.CancelFunc
	done      chan struct{} // closed when the goroutine returned
	// st is the goroutine's own State, kept between snapshots and moved on
	// by the events since, so a snapshot costs its encoding and the new
	// events, not a decode of the last snapshot. Only the goroutine uses it.
	st *projections.State
	// saveFn writes a snapshot (projections.Save); tests replace it.
	saveFn func(dir string, st *projections.State, head [32]byte) error
	// maxGap replaces maxSnapshotGap when set (tests).
	maxGap uint64

	// The events handed over and not yet folded, in order. A queue that
	// outgrew maxQueued (the goroutine stuck in a slow snapshot write) is
	// dropped: the goroutine then reads the missing events from the log.
	qmu   sync.Mutex
	queue []events.Event
	more  chan struct{} // buffered 1: the queue is worth folding
	// following is set while the goroutine has a State to fold into:
	// before that (a server's first load replays the log since the newest
	// snapshot) nothing is copied for it, and what it then misses it reads
	// from the log.
	following atomic.Bool
}

// maxSnapshotGap is the most events a running orchestrator lets pass
// between snapshots, however big its State (due).
const maxSnapshotGap = 1_000_000

// maxQueued bounds the events waiting for the snapshotter (~600 bytes
// each), drainEvery how many make it worth waking for.
const (
	maxQueued  = 1 << 14
	drainEvery = 1024
)

// intake hands the snapshotter an event the committer's State took in
// (s.mu is held, so calls come in seq order). It copies e: the caller's
// Event is reused.
func (sn *snapshotter) intake(e *events.Event) {
	if !sn.following.Load() {
		return
	}
	c := *e
	c.Capabilities, c.Deps = slices.Clone(c.Capabilities), slices.Clone(c.Deps)
	sn.qmu.Lock()
	if len(sn.queue) >= maxQueued {
		clear(sn.queue)
		sn.queue = sn.queue[:0] // the log has them
	}
	sn.queue = append(sn.queue, c)
	n := len(sn.queue)
	sn.qmu.Unlock()
	if n%drainEvery == 0 {
		select {
		case sn.more <- struct{}{}:
		default:
		}
	}
}

// take empties the queue into buf (whose backing array the queue gets in
// exchange, so the two are reused in turn) and returns it.
func (sn *snapshotter) take(buf []events.Event) []events.Event {
	clear(buf)
	sn.qmu.Lock()
	defer sn.qmu.Unlock()
	q := sn.queue
	sn.queue = buf[:0]
	return q
}

// StartSnapshots moves snapshot writing to a background goroutine, for a
// long-running writer (the orchestrator): from then on no Execute, Load or
// Read writes a snapshot, however far the log ran past the last one. Close
// stops it. Calling it again does nothing.
func (s *Store) StartSnapshots() {
	if s.opts.ReadOnly || s.opts.SnapshotEvery <= 0 {
		return
	}
	s.snaps.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.snaps.wake, s.snaps.done, s.snaps.cancel = make(chan struct{}, 1), make(chan struct{}), cancel
		s.snaps.more = make(chan struct{}, 1)
		s.snaps.running.Store(true)
		go s.snapshotLoop(ctx)
	})
}

// due asks the goroutine for a snapshot of st, the last one being at seq
// since, once the events since it are at least every (SnapshotEvery) and
// at least as many as the packages and drones a snapshot of st encodes,
// up to maxSnapshotGap events. It reports whether there is a goroutine to
// ask.
//
// Why the second bound: a snapshot costs about a microsecond of CPU per
// package it encodes (half of it sorting them), a fold of the log a few
// tenths of one per event. At a fixed interval a farm whose State grows
// pays more for snapshots per event as it grows: with 80,000 packages and
// one every 10,000 events, eight packages encoded per event (in issue
// 10's claims probe, whose State grows all run, encoding was 10 µs of a
// claim and completion's 230 µs of CPU in a short run, and more in a
// long one). Waiting for as many events as records keeps it at about one
// per event whatever the State's size, and a restart replays at most that
// many events past the snapshot, about what loading the snapshot costs.
// The cap keeps a log that only adds packages (each event one more record
// to wait for) getting snapshots: past it a restart would replay more
// than a third of a second.
//
// The events are counted from the last snapshot asked for, not only the
// last written: while one is being written, the next is not asked for
// two events later.
func (sn *snapshotter) due(st *projections.State, since uint64, every int) bool {
	if !sn.running.Load() {
		return false
	}
	n := st.Seq - max(since, sn.asked.Load())
	gap := uint64(maxSnapshotGap)
	if sn.maxGap != 0 {
		gap = sn.maxGap
	}
	if st.Seq < sn.asked.Load() || n < uint64(every) || n < min(uint64(st.Records()), gap) {
		return true // not yet: a snapshot now would cost more than it saves
	}
	sn.asked.Store(st.Seq)
	sn.target.Store(st.Seq)
	select {
	case sn.wake <- struct{}{}:
	default: // one is being written or already asked for
	}
	return true
}

func (sn *snapshotter) save(dir string, st *projections.State, head [32]byte) error {
	if sn.saveFn != nil {
		return sn.saveFn(dir, st, head)
	}
	p := newPacer(snapshotShare)
	return projections.SavePaced(dir, st, head, p.pace)
}

// snapshotShare is the part of a core a snapshot's encoding may take. On a
// two-core server the requests have the rest: unpaced, the encoding of a
// 100,000-package State held a whole core for 30-40 ms and the requests
// queued behind it on the other (issue 10). Paced, it takes four times as
// long in wall time, which nobody waits for; and since due snapshots
// coalesce, a hot log gets snapshots less often rather than more CPU.
const snapshotShare = 0.25

// pacer keeps a loop's CPU to a share of a core: each call sleeps long
// enough that the time worked since the last call is share of the time
// passed.
type pacer struct {
	share float64
	now   func() time.Time
	sleep func(time.Duration)
	last  time.Time
}

// pacedSource hands out src's events, calling pace every paceEvents: the
// snapshotter's second fold of the log, after the committer's first, takes
// its share of a core and no more.
type pacedSource struct {
	src  projections.Source
	pace func()
}

// paceEvents is how many events a pacedSource hands out between calls of
// pace: about a millisecond of folding.
const paceEvents = 2048

func (p pacedSource) Events(ctx context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		n := 0
		for e, err := range p.src.Events(ctx, from) {
			if !yield(e, err) {
				return
			}
			if n++; n%paceEvents == 0 {
				p.pace()
			}
		}
	}
}

func newPacer(share float64) *pacer {
	return &pacer{share: share, now: time.Now, sleep: time.Sleep, last: time.Now()}
}

func (p *pacer) pace() {
	worked := p.now().Sub(p.last)
	p.sleep(time.Duration(float64(worked) * (1 - p.share) / p.share))
	p.last = p.now()
}

// stop ends the goroutine and waits for it (a snapshot being written is
// abandoned; its temp file is pruned later).
func (sn *snapshotter) stop() {
	if sn.running.Swap(false) {
		sn.cancel()
		<-sn.done
		sn.following.Store(false)
	}
}

func (s *Store) snapshotLoop(ctx context.Context) {
	defer close(s.snaps.done)
	var retry uint64 // after a failure, the seq at which to try again
	var buf []events.Event
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.snaps.wake:
		case <-s.snaps.more:
		}
		buf = s.snaps.take(buf)
		if err := s.snaps.fold(ctx, s, buf); err != nil {
			if ctx.Err() == nil {
				s.logger.Warn("could not keep the snapshot's State", "err", err)
			}
			continue
		}
		target := s.snaps.target.Load()
		if target <= s.since.Load() || target < retry {
			continue
		}
		st, err := s.snaps.advance(ctx, s, target)
		if err != nil {
			if ctx.Err() == nil {
				s.logger.Warn("could not build a snapshot", "seq", target, "err", err)
			}
		}
		if err != nil || !s.snapshot(ctx, st) {
			retry = target + uint64(s.opts.SnapshotEvery) // a full disk: not on every batch
		}
	}
}

// fold moves the goroutine's State on by the events handed over (none
// while it has no State yet: it is built from the log when a snapshot is
// first due). Events it has are skipped; events missing before the next
// one handed over (a dropped queue) are read from the log.
func (sn *snapshotter) fold(ctx context.Context, s *Store, evs []events.Event) error {
	if sn.st == nil {
		return nil
	}
	p := newPacer(snapshotShare)
	for i := range evs {
		e := &evs[i]
		if e.Seq <= sn.st.Seq {
			continue
		}
		if e.Seq > sn.st.Seq+1 {
			st, err := projections.Replay(ctx, pacedSource{s.log, p.pace}, sn.st, e.Seq-1)
			if err == nil && st.Seq != e.Seq-1 {
				err = fmt.Errorf("the log ends at seq %d", st.Seq)
			}
			if err != nil {
				sn.st = nil // built again from a snapshot and the log when due
				sn.following.Store(false)
				return fmt.Errorf("fold the log up to seq %d: %w", e.Seq-1, err)
			}
		}
		sn.st.Apply(e)
		if i%paceEvents == paceEvents-1 {
			p.pace()
		}
	}
	return nil
}

// advance moves the goroutine's State to at least target: built from the
// newest snapshot the first time (or after a failure), then by folding the
// log's events up to target when the events handed over have not brought
// it there. A State past target is snapshotted as it is.
func (sn *snapshotter) advance(ctx context.Context, s *Store, target uint64) (*projections.State, error) {
	var err error
	switch {
	case sn.st == nil:
		sn.st, err = s.LoadAt(ctx, target)
	case sn.st.Seq < target:
		p := newPacer(snapshotShare)
		sn.st, err = projections.Replay(ctx, pacedSource{s.log, p.pace}, sn.st, target)
	}
	if err != nil {
		sn.st = nil
		sn.following.Store(false)
		return nil, err
	}
	sn.following.Store(true)
	return sn.st, nil
}
