package commands

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// DefaultSnapshotEvery is how many events a Load may replay past the newest
// snapshot before it writes a new one.
const DefaultSnapshotEvery = 10_000

// maxAttempts bounds Execute's decide-append loop under contention.
const maxAttempts = 64

// StoreOptions configure OpenStore.
type StoreOptions struct {
	ReadOnly      bool
	Logger        *slog.Logger
	SnapshotEvery int   // 0: DefaultSnapshotEvery; < 0: never write snapshots
	SegmentBytes  int64 // passed to the log; 0: its default
	// Now is the log's clock for the events' times; nil: time.Now.
	Now func() time.Time
	// Backend is [log]: which backend holds the log and how to reach it
	// (OpenLog). The zero value is the file log.
	Backend config.LogConfig
	// Own: this process must run the log's embedded server itself (swarm
	// serve), never connect to another process's (logbackend.go).
	Own bool
}

// Store is a .swarm folder's log and snapshots, with the State kept current
// in memory between calls. It is safe for concurrent use.
type Store struct {
	log     eventlog.Log
	prep    eventlog.Preparer // the log's, or nil
	snapDir string
	opts    StoreOptions
	logger  *slog.Logger

	mu    sync.Mutex // guards state, batch and serializes Execute's decisions
	state *projections.State
	// batch is tryLocked's buffer of one batch's events, kept between
	// batches: growing a fresh one for every commit was the largest of
	// a commit's allocations (an Event is ~500 bytes).
	batch []events.Event
	since atomic.Uint64 // seq of the last snapshot written or loaded
	known atomic.Uint64 // seq of the last event the State in memory holds

	snaps snapshotter // writes snapshots in the background, once started (snapshotter.go)

	// observe, when set, sees every event the State takes in past seq
	// observed, once (Observe); so does the snapshotter, once started.
	// Guarded by mu.
	observe  func(*events.Event)
	observed uint64

	tornChecked atomic.Bool // warnTornOnce ran

	qmu     sync.Mutex // guards queue, leading and lastBatch (commit.go)
	queue   []*pending
	leading bool
	// lastBatch is how many commands the last batch decided: the load the
	// next leader expects (gather).
	lastBatch   int
	gatherSleep func(time.Duration) // nil: time.Sleep (tests count the waits)
	stats       commitStats
}

// OpenStore opens the event log and snapshots of the .swarm folder dir.
func OpenStore(dir string, opts StoreOptions) (*Store, error) {
	if opts.SnapshotEvery == 0 {
		opts.SnapshotEvery = DefaultSnapshotEvery
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts.Logger = logger
	l, err := OpenLog(context.Background(), dir, opts)
	if err != nil {
		return nil, err
	}
	prep, _ := l.(eventlog.Preparer)
	return &Store{log: l, prep: prep, snapDir: filepath.Join(dir, "snapshots"), opts: opts, logger: logger}, nil
}

// Log is the store's event log.
func (s *Store) Log() eventlog.Log { return s.log }

// warnTornOnce warns, once per read-only Store, when the log ends in bytes
// that are not a whole frame: a reader (or a snapshot plus the events
// after it) then answers from the events before them, which it must say.
// A writer cuts such bytes when it opens the log, and says so.
func (s *Store) warnTornOnce() {
	if !s.opts.ReadOnly || !s.tornChecked.CompareAndSwap(false, true) {
		return
	}
	tt, ok := s.log.(eventlog.TornTeller)
	if !ok {
		return
	}
	if t, err := tt.TornTail(); err == nil && t != nil {
		s.logger.Warn("the event log's end is damaged; answering from the events before it: " + t.String())
	}
}

// Broken returns why the log refuses appends (a write or sync failed:
// the disk full, say), or nil while it appends (always, for a backend
// without sticky failures).
func (s *Store) Broken() error { return eventlog.Broken(s.log) }

// Recover reopens a broken log in place once the disk takes writes again;
// see events.Log.Recover. The State in memory stays valid: it only ever
// held acknowledged events. A backend that never breaks has nothing to do.
func (s *Store) Recover(ctx context.Context) error {
	if h, ok := s.log.(eventlog.Healer); ok {
		return h.Recover(ctx)
	}
	return nil
}

// Close stops the snapshotter and closes the log.
func (s *Store) Close() error {
	s.snaps.stop()
	return s.log.Close()
}

// Known is the seq of the last event the State in memory holds, without
// waiting for the store or reading the log: what a health check may say
// while a replicated log cannot be read (no leader) and a Read would wait.
func (s *Store) Known() uint64 { return s.known.Load() }

// Load returns the current State: the newest valid snapshot plus the events
// after it (later calls only read what is new). Unless read-only, it writes a
// snapshot when it had to replay many events. The State is shared: do not
// modify it; Clone it to keep it across calls.
func (s *Store) Load(ctx context.Context) (*projections.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked(ctx)
}

func (s *Store) loadLocked(ctx context.Context) (*projections.State, error) {
	if s.state == nil {
		st, err := projections.LoadLatest(s.snapDir, 0, s.checkSnapshot(ctx), s.logger)
		if err != nil {
			s.logger.Warn("snapshots unreadable; replaying the whole log", "err", err)
		}
		s.state = st
		s.since.Store(st.Seq)
	}
	var src projections.Source = s.log
	if s.observe != nil || s.snaps.running.Load() {
		src = observing{s}
	}
	st, err := projections.Replay(ctx, src, s.state, 0)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	s.warnTornOnce()
	s.state = st
	s.known.Store(st.Seq)
	if !s.opts.ReadOnly && s.opts.SnapshotEvery > 0 && st.Seq-s.since.Load() >= uint64(s.opts.SnapshotEvery) {
		if !s.snaps.due(st, s.since.Load(), s.opts.SnapshotEvery) { // no snapshotter: a short-lived process writes it now
			s.snapshot(ctx, st)
		}
	}
	return st, nil
}

// Observe has f see every event the Store's State takes in from now on,
// once each and in order: its own appends once they are durable, other
// processes' when it catches up with them (every Read or Execute does).
// Events folded before the call are not shown. f runs under the store's
// lock: it must be quick and must not call the Store. The orchestrator
// counts events by type with it for /metrics, where the figures read from
// the State at the same scrape then agree with the counts by construction.
func (s *Store) Observe(ctx context.Context, f func(*events.Event)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.loadLocked(ctx)
	if err != nil {
		return err
	}
	s.observe, s.observed = f, max(s.observed, st.Seq)
	return nil
}

// observeLocked shows e to the observer and hands it to the snapshotter,
// unless they had it already. s.mu is held.
func (s *Store) observeLocked(e *events.Event) {
	if e.Seq <= s.observed {
		return
	}
	s.observed = e.Seq
	if s.observe != nil {
		s.observe(e)
	}
	s.snaps.intake(e)
}

// observing is the log as loadLocked replays it, showing the observer
// each event the State took in (after Replay folded it: an event that
// ended the replay with an error is not shown).
type observing struct{ s *Store }

func (o observing) Events(ctx context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		for e, err := range o.s.log.Events(ctx, from) {
			if !yield(e, err) {
				return
			}
			if err == nil {
				o.s.observeLocked(e)
			}
		}
	}
}

// snapshot writes a snapshot of st and reports whether it did. Failing to
// is not an error: snapshots only save time.
func (s *Store) snapshot(ctx context.Context, st *projections.State) bool {
	head, err := s.log.ChainAfter(ctx, st.Seq)
	if err == nil {
		err = s.snaps.save(s.snapDir, st, head)
	}
	if err != nil {
		s.logger.Warn("could not write a snapshot", "seq", st.Seq, "err", err)
		return false
	}
	s.since.Store(st.Seq)
	return true
}

// checkSnapshot accepts a snapshot only if the log's chain at its seq is the
// one it recorded: a snapshot of another log, or of a log since rewritten,
// is stale.
func (s *Store) checkSnapshot(ctx context.Context) func(uint64, [32]byte) bool {
	return func(seq uint64, head [32]byte) bool {
		h, err := s.log.ChainAfter(ctx, seq)
		return err == nil && h == events.Hash(head)
	}
}

// LoadAt returns a new State as it stood after event until (0: the end),
// from the newest snapshot at or before it. It does not touch the cached
// State, so a replay of the past is safe while the farm runs.
func (s *Store) LoadAt(ctx context.Context, until uint64) (*projections.State, error) {
	st, err := projections.LoadLatest(s.snapDir, until, s.checkSnapshot(ctx), s.logger)
	if err != nil {
		s.logger.Warn("snapshots unreadable; replaying the whole log", "err", err)
	}
	st, err = projections.Replay(ctx, s.log, st, until)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	s.warnTornOnce()
	return st, nil
}

// Decider decides a command against a State: the events it means, or why it
// cannot be done. It must not modify the State.
type Decider func(st *projections.State) ([]events.Event, error)

// Read calls f with the current State under the store's lock, so no
// Execute changes it meanwhile: the way for a server to read while others
// decide. f must neither keep nor modify the State.
func (s *Store) Read(ctx context.Context, f func(*projections.State)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.loadLocked(ctx)
	if err != nil {
		return err
	}
	f(st)
	return nil
}
