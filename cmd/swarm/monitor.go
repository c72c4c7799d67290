package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/monitor"
)

// monitorOptions are the inputs of `swarm monitor`.
type monitorOptions struct {
	app          *app
	in           io.Reader
	Orchestrator string
	TokenFile    string
}

func newMonitorCmd(a *app, runF func(context.Context, *monitorOptions) error) *cobra.Command {
	opts := &monitorOptions{app: a}
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Watch the farm live in the terminal",
		Long: `Watch the farm live: a full-screen view of the queue (needed, built,
failed), the share of the plan already binary, the build rate, the ETA, and
one row per drone with its status, health, task, the task's elapsed time
against its expected time, CPU and RAM: green building, yellow idle, red
grounded (or unhealthy), grey offline. Below the drones, the failed packages.

It follows the orchestrator's event stream (GET /v1/events) from the first
event and folds each event as it comes, so it never polls; when the stream
drops (the server restarted) it reconnects and resumes where it was.

Keys: up and down select a drone or a failed package; enter shows its
recent events; e shows the error context of its last failed build (portage's
"* ERROR" block and the lines before it: at once from the log excerpt the
drone reported, then from the build log the orchestrator keeps, which it
serves at GET /v1/logs/ATOM as swarm logs prints it); / filters by name;
esc goes back; ? lists the keys; q quits.

The orchestrator is the one running on this folder (from .swarm/serve.json,
as swarm status finds it), or --orchestrator URL. A server listening beyond
loopback needs an operator's token: --token-file names a file holding it
alone (swarm operators add NAME > FILE; keep it chmod 600). It needs a
terminal: scripts read swarm status --json and swarm log --json.`,
		Example: "  swarm monitor\n  swarm monitor --orchestrator http://farm:8093 --token-file ~/.swarm-token",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.in = cmd.InOrStdin()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runMonitor(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Orchestrator, "orchestrator", "", "the orchestrator's `URL` (default: the server running on this folder)")
	cmd.Flags().StringVar(&opts.TokenFile, "token-file", "", "a `FILE` holding an operator's token (swarm operators add)")
	return cmd
}

// errNoTerminal is monitor writing to a file or a pipe, where a full-screen
// view is escape codes and nothing else.
var errNoTerminal = errors.New("the monitor needs a terminal: for a script, swarm status --json or swarm log --json")

// errNoServer is monitor without --orchestrator where no server runs.
var errNoServer = errors.New("no orchestrator runs on this folder: start swarm serve, or give --orchestrator URL")

func runMonitor(ctx context.Context, o *monitorOptions) error {
	url, err := o.orchestrator()
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	token := ""
	if o.TokenFile != "" {
		b, err := os.ReadFile(o.TokenFile)
		if err != nil {
			return fmt.Errorf("monitor: read the token: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if err := monitor.Check(ctx, url, token); err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	if !isTerminal(o.app.out) {
		return fmt.Errorf("monitor: %w", errNoTerminal)
	}
	err = monitor.Run(ctx, monitor.Options{URL: url, Token: token, In: o.in, Out: o.app.out})
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	return nil
}

// orchestrator is --orchestrator, else the server running on the state
// folder.
func (o *monitorOptions) orchestrator() (string, error) {
	if o.Orchestrator != "" {
		return o.Orchestrator, nil
	}
	dir, err := o.app.stateDir()
	if err != nil {
		return "", err
	}
	srv := serverState(dir)
	if srv == nil {
		return "", errNoServer
	}
	return srv.URL, nil
}
