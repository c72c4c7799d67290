package main

import (
	"context"
	"fmt"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
)

// recordConfig records in the farm's log that config.toml went from
// before to after (its text), by the operator, for reason (the command
// that changed it): commands.RecordConfig. The file has changed either
// way; a log that cannot take the record is told on stderr, not failed.
func recordConfig(ctx context.Context, a *app, reason string, before, after []byte) {
	if err := tryRecordConfig(ctx, a, reason, before, after); err != nil {
		fmt.Fprintf(a.errOut, "warning: config.toml changed, but the change is not in the event log: %v\n", err)
	}
}

func tryRecordConfig(ctx context.Context, a *app, reason string, before, after []byte) error {
	was, err := config.Parse(before)
	if err != nil {
		return err
	}
	now, err := config.Parse(after)
	if err != nil {
		return err
	}
	store, err := a.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	_, err = store.Execute(ctx, commands.RecordConfig(commands.ActorOperator, reason, config.Flatten(was), config.Flatten(now)))
	return err
}
