package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
)

// enqueueOptions are the inputs of `swarm enqueue`.
type enqueueOptions struct {
	app   *app
	Atoms []string
}

func newEnqueueCmd(a *app, runF func(context.Context, *enqueueOptions) error) *cobra.Command {
	opts := &enqueueOptions{app: a}
	return &cobra.Command{
		Use:   "enqueue ATOM...",
		Short: "Add packages to the queue",
		Long: `Add packages to the queue. A package is a version as emerge prints it:
sys-devel/llvm-19.1.7 or =dev-lang/perl-5.24.0-r1, optionally with :slot and
::repo.

Every atom is checked first: if one is not a valid package, enqueue names it,
exits 1 and appends nothing. A package already waiting or building is left
as it is and reported as already queued; a built or failed one is queued
again. All new packages are appended at once.`,
		Example: "  swarm enqueue sys-devel/llvm-19.1.7 =dev-lang/perl-5.24.0-r1",
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Atoms = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEnqueue(cmd.Context(), opts)
		},
	}
}

func runEnqueue(ctx context.Context, o *enqueueOptions) error {
	keys, err := commands.ParseAtoms(o.Atoms) // fail before opening anything
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	_, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	store, err := o.app.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	out, err := store.Execute(ctx, commands.EnqueueRouted(commands.ActorOperator, o.Atoms, commands.RoutingFrom(cfg)))
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	added := make(map[string]bool, len(out.Events))
	for _, e := range out.Events {
		added[e.Atom] = true
	}
	told := make(map[string]bool)
	for _, k := range keys {
		if !added[k] && !told[k] {
			told[k] = true
			fmt.Fprintf(o.app.out, "already queued: %s\n", k)
		}
	}
	fmt.Fprintf(o.app.out, "enqueued %s\n", plural(len(out.Events), "package", "packages"))
	return nil
}
