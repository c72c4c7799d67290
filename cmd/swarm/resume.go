package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
)

// resumeOptions are the inputs of `swarm resume`.
type resumeOptions struct {
	app *app
}

func newResumeCmd(a *app, runF func(context.Context, *resumeOptions) error) *cobra.Command {
	opts := &resumeOptions{app: a}
	return &cobra.Command{
		Use:   "resume",
		Short: "Restart dispatching after swarm pause",
		Long:  `Restart dispatching after swarm pause. Resuming a farm that is not paused fails (exit 1).`,
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runResume(cmd.Context(), opts)
		},
	}
}

func runResume(ctx context.Context, o *resumeOptions) error {
	store, err := o.app.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Execute(ctx, commands.Resume(commands.ActorOperator)); err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	fmt.Fprintln(o.app.out, "resumed")
	return nil
}
