package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/buildlog"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/orchestrator"
	"github.com/swarm-build/swarm/portage"
)

type logsOptions struct {
	app     *app
	Atom    string
	Attempt int
	Full    bool
}

func newLogsCmd(a *app, runF func(context.Context, *logsOptions) error) *cobra.Command {
	opts := &logsOptions{app: a}
	cmd := &cobra.Command{
		Use:   "logs ATOM",
		Short: "Print a build's log as the orchestrator keeps it",
		Long: `Print the log of one build of a package, as the drone that ran it sent it
to the orchestrator (kept compressed in .swarm/logs/), so no one has to log
into a drone to read why a build failed.

By default it prints the part an operator reads first: portage's
"* ERROR: … failed" block and the lines before it (or the log's last lines
when it has no such block); --full prints the whole log. The build is the
latest attempt whose log is kept, or --attempt N: the N-th claim of the
package in the event log (swarm replay --explain ATOM lists them).
Which build it is goes to stderr, the log alone to stdout. Control
characters from the log are shown escaped (colour codes removed).`,
		Example: "  swarm logs app-misc/broken-0.1\n  swarm logs app-misc/broken-0.1 --attempt 1 --full",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Atom = args[0]
			if opts.Attempt < 0 {
				return usageErrorf(cmd, "--attempt %d: want a positive number", opts.Attempt)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLogs(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Attempt, "attempt", 0, "the N-th attempt (claim) of the package; default: the latest with a log")
	cmd.Flags().BoolVar(&opts.Full, "full", false, "print the whole log, not only the error context")
	return cmd
}

func runLogs(ctx context.Context, o *logsOptions) error {
	p, err := portage.ParsePackage(o.Atom)
	if err != nil {
		return fmt.Errorf("logs: %w: %w", commands.ErrBadAtom, err)
	}
	dir, err := o.app.stateDir()
	if err != nil {
		return err
	}
	store, err := o.app.openStore(true)
	if err != nil {
		return err
	}
	defer store.Close()
	attempts, err := buildlog.Attempts(store.Log().Events(ctx, 0), p.Key())
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	logs := buildlog.New(filepath.Join(dir, orchestrator.LogsDir), buildlog.Limits{})
	a, log, err := logs.ReadAttempt(p.Key(), attempts, o.Attempt)
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	w := o.app.out
	if !o.Full {
		log = portage.ErrorContext(log)
	}
	fmt.Fprintln(o.app.errOut, termsafe.Line(fmt.Sprintf("%s, attempt %d of %d, on %s at %s (fence %d)",
		p.Key(), a.N, len(attempts), a.Drone, a.Time.UTC().Format("2006-01-02 15:04:05Z"), a.Fence)))
	_, err = fmt.Fprint(w, termsafe.Block(string(log)))
	return err
}
