package commands

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/jetstream"
)

// MigrateLog copies the event log of the .swarm folder dir from the backend
// cur names into the backend to ("file" or "jetstream"), keeping every
// event's sequence number and time, and proves the copy by the hash chain
// (eventlog.Copy: both logs verified whole, both ending at the same seq and
// chain value). The destination must be empty or hold the start of the same
// log (a farm that migrates back finds its old copy there and only the new
// events are copied); another log there is refused (eventlog.ErrChainMismatch)
// and nothing is appended. The source is left as it was.
//
// Nobody else may have either log open: the caller holds serve.lock and the
// config lock, and flips [log] backend only once this returns nil.
func MigrateLog(ctx context.Context, dir string, cur config.LogConfig, to string) (eventlog.CopyResult, error) {
	from := cur.Backend
	if from == "" {
		from = config.BackendFile
	}
	if to != config.BackendFile && to != config.BackendJetStream {
		return eventlog.CopyResult{}, fmt.Errorf("%q is not \"file\" or \"jetstream\"", to)
	}
	if to == from {
		return eventlog.CopyResult{}, fmt.Errorf("%w (%s)", ErrSameBackend, to)
	}
	jo, err := JetStreamOptions(cur.JetStream, StoreOptions{})
	if err != nil {
		return eventlog.CopyResult{}, err
	}
	events, store := filepath.Join(dir, "events"), filepath.Join(dir, JetStreamDir)
	if to == config.BackendJetStream {
		return jetstream.Export(ctx, events, store, jo)
	}
	return jetstream.Import(ctx, store, events, jo)
}
