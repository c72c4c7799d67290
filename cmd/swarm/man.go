package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// manOptions are the inputs of `swarm man`.
type manOptions struct {
	app *app
	Dir string
}

func newManCmd(a *app, runF func(context.Context, *manOptions) error) *cobra.Command {
	opts := &manOptions{app: a, Dir: "."}
	return &cobra.Command{
		Use:   "man [DIR]",
		Short: "Write the man pages",
		Long: `Write a man page for swarm and each of its commands (swarm.1,
swarm-status.1, …) into DIR, the current folder by default. The pages are
deterministic: their header carries a fixed date, so regenerating them
changes nothing unless the commands do.`,
		Example: "  swarm man /usr/local/share/man/man1",
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			n, err := genManTree(cmd.Root(), opts.Dir)
			if err != nil {
				return fmt.Errorf("man: %w", err)
			}
			fmt.Fprintf(a.out, "wrote %s to %s\n", plural(n, "man page", "man pages"), opts.Dir)
			return nil
		},
	}
}
