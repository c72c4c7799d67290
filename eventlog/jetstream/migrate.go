package jetstream

import (
	"context"
	"fmt"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
)

// CheckFarm refuses a farm name that cannot name a stream, before anything
// is opened.
func CheckFarm(farm string) error {
	if farm != "" && !farmName.MatchString(farm) {
		return fmt.Errorf("%w: %q", ErrFarmName, farm)
	}
	return nil
}

// Export copies the file log in eventsDir (a .swarm/events folder, read
// only) into the farm's stream in the JetStream store folder storeDir, and
// proves the copy by its chain (eventlog.Copy). Run again, it copies only
// what is new.
func Export(ctx context.Context, eventsDir, storeDir string, opts Options) (eventlog.CopyResult, error) {
	src, err := eventlog.OpenFile(eventsDir, events.Options{ReadOnly: true})
	if err != nil {
		return eventlog.CopyResult{}, fmt.Errorf("open the file log: %w", err)
	}
	defer src.Close()
	dst, err := Open(ctx, storeDir, opts)
	if err != nil {
		return eventlog.CopyResult{}, err
	}
	defer dst.Close()
	return eventlog.Copy(ctx, dst, src)
}

// Import copies the farm's stream in storeDir into the file log in
// eventsDir (which must be empty or hold a prefix of it) and proves the copy
// by its chain.
func Import(ctx context.Context, storeDir, eventsDir string, opts Options) (eventlog.CopyResult, error) {
	src, err := Open(ctx, storeDir, opts)
	if err != nil {
		return eventlog.CopyResult{}, err
	}
	defer src.Close()
	dst, err := eventlog.OpenFile(eventsDir, events.Options{})
	if err != nil {
		return eventlog.CopyResult{}, fmt.Errorf("open the file log: %w", err)
	}
	defer dst.Close()
	return eventlog.Copy(ctx, dst, src)
}
