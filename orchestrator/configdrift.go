package orchestrator

import (
	"context"
	"slices"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/projections"
)

// handEditGrace is how long settings in force may differ from those the
// log last recorded before the server records them itself: swarm config
// set and swarm drones add record their own change (as the operator, with
// the command) right after they write the file, and should be the ones
// to.
const handEditGrace = 5 * time.Second

// handEdits records config.toml edits made by hand while the server runs
// (config_changed, "config.toml edited while serving"), so that the log
// knows the settings in force at every point and not only from the next
// start. It is the config watcher's, called after each reload; it records
// nothing in a log that holds no settings yet (swarm serve records them as
// it starts).
type handEdits struct {
	seen  []string  // the settings in force that differed from the log's
	since time.Time // when they were first seen so
}

// check compares the settings in force with those last recorded, at now.
func (h *handEdits) check(ctx context.Context, s *Server, now time.Time) {
	cur := s.flatConfig()
	var recorded []string
	if err := s.store.Read(ctx, func(st *projections.State) { recorded = st.Settings() }); err != nil {
		return
	}
	if recorded == nil { // no baseline: swarm serve records one at its start
		return
	}
	if now, _ := config.Diff(recorded, cur); len(now) == 0 {
		h.seen = nil
		return
	}
	if !slices.Equal(cur, h.seen) {
		h.seen, h.since = cur, now
		return
	}
	if now.Sub(h.since) < handEditGrace {
		return
	}
	if _, err := s.execute(ctx, commands.RecordConfig(commands.ActorOrchestrator, "config.toml edited while serving", nil, slices.Clone(cur))); err != nil {
		s.log.Error("could not record config.toml's new settings", "err", err)
		return
	}
	h.seen = nil
}
