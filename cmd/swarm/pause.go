package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
)

// pauseOptions are the inputs of `swarm pause`.
type pauseOptions struct {
	app    *app
	Reason string
}

func newPauseCmd(a *app, runF func(context.Context, *pauseOptions) error) *cobra.Command {
	opts := &pauseOptions{app: a}
	cmd := &cobra.Command{
		Use:   "pause",
		Short: "Stop dispatching packages to drones",
		Long: `Stop dispatching: drones finish what they are building but claim nothing
new until swarm resume. The reason is shown by swarm status. Pausing a farm
that is already paused fails (exit 1) and says since when and why.`,
		Example: `  swarm pause --reason "portage tree sync in progress"`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPause(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why, for swarm status")
	return cmd
}

func runPause(ctx context.Context, o *pauseOptions) error {
	store, err := o.app.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	out, err := store.Execute(ctx, commands.Pause(commands.ActorOperator, o.Reason))
	if err != nil {
		return fmt.Errorf("pause: %w", err)
	}
	fmt.Fprintf(o.app.out, "paused: %s\n", termsafe.Line(out.State.Paused.Reason))
	return nil
}
