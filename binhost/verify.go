package binhost

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage/gpkg"
	"github.com/swarm-build/swarm/projections"
)

// ErrDamaged: an audit found problems in the binhost (swarm verify exits
// 3, as for a damaged log).
var ErrDamaged = errors.New("binhost damaged")

// settle is how long after a promotion a build may be missing from the
// index: the server writes it within seconds, and at most a minute late.
const settle = time.Minute

// Verify audits the binhost folder dir against the store's current
// events, checking signatures with key.
func Verify(ctx context.Context, store *commands.Store, dir string, key *gpkg.Key, progress func(done, total int64)) (AuditReport, error) {
	var builds, pruned []projections.Build
	if err := store.Read(ctx, func(st *projections.State) {
		builds, pruned = st.Builds(), st.PrunedBuilds()
	}); err != nil {
		return AuditReport{}, err
	}
	opts := AuditOptions{Progress: progress, Now: time.Now(), Settle: settle}
	if key != nil {
		opts.Keyring = key.Keyring()
	}
	return Audit(ctx, dir, builds, pruned, opts)
}

// RepairReport says what Repair did.
type RepairReport struct {
	Pruned   int      `json:"pruned"`   // damaged builds taken out of the index
	Requeued []string `json:"requeued"` // packages queued again to be rebuilt
	Index    bool     `json:"index"`    // the index was rewritten
	Deleted  []string `json:"deleted"`  // files of pruned builds deleted
}

// Repair fixes what an audit found that can be fixed: damaged builds are
// pruned and their packages queued again (one append, through the store,
// whether or not a server runs), the index is rewritten from the events
// (under the index lock the server's index loop takes too), and the
// files of pruned builds the new index no longer lists are deleted.
// Unknown files are left for the operator.
func Repair(ctx context.Context, store *commands.Store, dir, actor string, rep AuditReport) (RepairReport, error) {
	var out RepairReport
	var damaged []commands.Damaged
	for _, p := range rep.Problems {
		if p.Damaged() {
			damaged = append(damaged, commands.Damaged{CPV: p.CPV, BuildID: p.BuildID, Problem: p.Kind + ": " + p.Detail})
		}
	}
	if len(damaged) > 0 {
		res, err := store.Execute(ctx, commands.Repair(actor, damaged))
		if err != nil {
			return out, fmt.Errorf("repair: %w", err)
		}
		for _, e := range res.Events {
			switch e.Type {
			case events.TypePruned:
				out.Pruned++
			case events.TypeEnqueued:
				out.Requeued = append(out.Requeued, e.Atom)
			}
		}
	}
	var seq uint64
	var builds, pruned []projections.Build
	var tree string
	if err := store.Read(ctx, func(st *projections.State) {
		seq, builds, pruned, tree = st.LastPromoted(), st.Builds(), st.PrunedBuilds(), st.Sync.Tree
	}); err != nil {
		return out, err
	}
	_, wrote, err := WriteIndex(dir, seq, builds, tree, 0, time.Now())
	if err != nil {
		return out, fmt.Errorf("repair: %w", err)
	}
	out.Index = wrote
	out.Deleted, err = Sweep(dir, pruned)
	return out, err
}
