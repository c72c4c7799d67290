package orchestrator

import (
	"context"
	"time"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/projections"
)

// indexEvery is the shortest time between two writes of the Packages
// index: promotions in a burst share one write, and the index is at most
// this far behind a promotion.
const indexEvery = 2 * time.Second

// indexer writes the binhost's Packages index from the events.
type indexer struct {
	due     chan struct{} // a promotion was recorded
	written uint64        // the LastPromoted the live index reflects
	stamp   int64         // its TIMESTAMP
	wrote   bool          // an index was written (or found) since start
}

// indexDue tells the index loop a promotion was recorded.
func (s *Server) indexDue() {
	select {
	case s.index.due <- struct{}{}:
	default:
	}
}

// indexLoop keeps the Packages index current: on start, and after each
// promotion, batched to one write per indexEvery.
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
		case <-time.After(indexEvery):
		}
		select {
		case <-ctx.Done():
			return
		case <-s.index.due:
		}
	}
}

// writeIndex writes the index when it is behind the events (or was never
// written since start). TIMESTAMP is now, and always past the last one.
func (s *Server) writeIndex(ctx context.Context) error {
	var seq uint64
	var entries []string
	err := s.store.Read(ctx, func(st *projections.State) {
		seq = st.LastPromoted()
		if s.index.wrote && seq == s.index.written {
			return
		}
		for _, b := range st.Builds() {
			entries = append(entries, b.Entry)
		}
	})
	if err != nil || (s.index.wrote && seq == s.index.written) {
		return err
	}
	x, err := binhost.IndexOf(entries)
	if err != nil {
		return err
	}
	ts := max(time.Now().Unix(), s.index.stamp+1)
	if err := binhost.Publish(s.opts.Binhost, x, ts); err != nil {
		return err
	}
	s.index.written, s.index.stamp, s.index.wrote = seq, ts, true
	s.log.Debug("wrote the binhost index", "packages", len(entries), "timestamp", ts)
	return nil
}
