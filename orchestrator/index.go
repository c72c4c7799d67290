package orchestrator

import (
	"context"
	"sync"
	"time"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/projections"
)

// indexer writes the binhost's Packages index from the events.
type indexer struct {
	due     chan struct{} // a promotion was recorded
	written uint64        // the LastPromoted the live index reflects
	stamp   int64         // its TIMESTAMP
	wrote   bool          // an index was written (or found) since start
	swept   uint64        // pruned builds up to this seq have no file left
	tree    string        // the tree (REPO_REVISIONS) the live index names

	mu    sync.Mutex
	live  uint64        // the LastPromoted the live index reflects, for waiters
	moved chan struct{} // closed (and replaced) when live moves
}

// indexWait bounds how long an upload's answer waits for the index that
// lists it. Past it the package is promoted all the same (its event is
// durable); only a dependent claimed meanwhile may not find it yet.
const indexWait = 30 * time.Second

// published records that the live index reflects promotions up to seq
// and wakes the uploads waiting for it.
func (x *indexer) published(seq uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if seq <= x.live && x.moved != nil {
		return
	}
	x.live = seq
	if x.moved != nil {
		close(x.moved)
	}
	x.moved = make(chan struct{})
}

// waitListed waits until the live index lists the promotion recorded at
// seq, ctx ends or indexWait passes, and reports whether it is listed.
//
// An upload is answered only then, and a drone completes only after its
// uploads are answered, so a package whose dependency was just built is
// dispatched only when clients (and drones, with --getbinpkg) can fetch
// that dependency; before, a dependent claimed inside the index's batching
// delay was built against sources, not the farm's package.
func (s *Server) waitListed(ctx context.Context, seq uint64) bool {
	timeout := time.After(indexWait)
	for {
		s.index.mu.Lock()
		live, moved := s.index.live, s.index.moved
		if moved == nil {
			moved = make(chan struct{})
			s.index.moved = moved
		}
		s.index.mu.Unlock()
		if live >= seq {
			return true
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return false
		case <-timeout:
			return false
		}
	}
}

// indexDue tells the index loop a promotion or a pruning may have been
// recorded (by this server, or by `swarm verify --repair`: the
// maintenance loop calls it each round, and a write is skipped when the
// index is current).
func (s *Server) indexDue() {
	select {
	case s.index.due <- struct{}{}:
	default:
	}
}

// indexEvery is binhost.index_every: the shortest time between two writes
// of the index, so promotions in a burst share one write and the index is
// at most this far behind a promotion.
func (s *Server) indexEvery() time.Duration {
	if d := s.config().Binhost.IndexEvery.Duration; d > 0 {
		return d
	}
	return 2 * time.Second // a configuration made in code
}

// indexLoop keeps the Packages index current: on start, and after each
// promotion, batched to one write per binhost.index_every.
func (s *Server) indexLoop(ctx context.Context) {
	if s.opts.Binhost == "" {
		return
	}
	ts, err := binhost.Timestamp(s.opts.Binhost)
	if err != nil {
		s.log.Warn("the binhost index is unreadable; writing a new one", "err", err)
	}
	s.index.stamp = ts
	for {
		if err := s.writeIndex(ctx); err != nil {
			s.log.Error("could not write the binhost index; trying again", "err", err)
			s.indexDue()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.indexEvery()):
		}
		select {
		case <-ctx.Done():
			return
		case <-s.index.due:
		}
	}
}

// writeIndex prunes what retention says to (binhost.keep), writes the
// index when it is behind the events (or was never written since start),
// then deletes the files of pruned builds the new index no longer lists.
// The events are the only input: a pruning appended by `swarm verify
// --repair` is written out here too. TIMESTAMP is now, and always past
// the last one.
func (s *Server) writeIndex(ctx context.Context) error {
	if keep := s.config().Binhost.Keep; keep >= 1 { // 0: a configuration made in code, without retention
		if _, err := s.execute(ctx, commands.Retain(int(keep))); err != nil {
			return err
		}
	}
	var seq uint64
	var builds, pruned []projections.Build
	var tree string
	err := s.store.Read(ctx, func(st *projections.State) {
		seq, tree = st.LastPromoted(), st.Sync.Tree
		if s.index.wrote && seq == s.index.written && tree == s.index.tree {
			return
		}
		builds = st.Builds()
		for _, b := range st.PrunedBuilds() {
			if b.Pruned > s.index.swept {
				pruned = append(pruned, b)
			}
		}
	})
	current := s.index.wrote && seq == s.index.written && tree == s.index.tree
	if err == nil && current {
		s.index.published(seq)
	}
	if err != nil || current {
		return err
	}
	ts, wrote, err := binhost.WriteIndex(s.opts.Binhost, seq, builds, tree, s.index.stamp, time.Now())
	if err != nil {
		return err
	}
	// Not written: an index of later events is live (a repair wrote it).
	s.index.written, s.index.stamp, s.index.wrote, s.index.tree = seq, ts, true, tree
	s.index.published(seq)
	if wrote {
		s.log.Debug("wrote the binhost index", "packages", len(builds), "timestamp", ts)
	}
	gone, err := binhost.Sweep(s.opts.Binhost, pruned)
	if len(gone) > 0 {
		s.log.Info("deleted pruned binary packages", "files", len(gone))
	}
	if err == nil {
		s.index.swept = seq
	}
	return err
}
