package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/portage"
)

type whyOptions struct {
	app  *app
	Atom string
	JSON bool
}

func newWhyCmd(a *app, runF func(context.Context, *whyOptions) error) *cobra.Command {
	opts := &whyOptions{app: a}
	cmd := &cobra.Command{
		Use:   "why ATOM",
		Short: "Say every reason a package is not building now",
		Long: `Explain why a package is not building right now: where it stands in the
queue, and every reason that keeps it from a drone, each with the drones it
rules out: dispatching paused, the package excluded (for the whole farm or
one drone), capabilities it needs that a drone lacks, drones offline,
grounded, unhealthy or on a stale portage tree, drones that returned or
failed it or could not start it (avoided while another capable drone is
able), a package that keeps stalling, a package held because its build
could not even start (and how to release it), and busy drones.
It applies the very rules the orchestrator dispatches by.

--json prints {"atom", "state", "position", "reasons": [{"reason", "drones"}],
"able"}.`,
		Example: "  swarm why dev-util/nvidia-cuda-toolkit-12.4.1",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Atom = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runWhy(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runWhy(ctx context.Context, o *whyOptions) error {
	p, err := portage.ParsePackage(o.Atom)
	if err != nil {
		return fmt.Errorf("why: %w: %w", commands.ErrBadAtom, err)
	}
	dir, err := o.app.stateDir()
	if err != nil {
		return err
	}
	cfg, err := loadConfig(dir)
	if err != nil {
		return err
	}
	st, err := o.app.currentState(ctx)
	if err != nil {
		return err
	}
	ans, err := commands.Why(viewRules(dir, cfg), st, p.Key(), time.Now())
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(o.app.out, ans)
	}
	w := o.app.out
	where := string(ans.State)
	if ans.Position > 0 {
		where += fmt.Sprintf(", number %d in the queue", ans.Position)
	}
	fmt.Fprintf(w, "%s is %s.\n", ans.Atom, where)
	if len(ans.Reasons) == 0 && len(ans.Able) > 0 {
		fmt.Fprintf(w, "Nothing stands in its way: %s may take it at the next claim.\n", termsafe.Line(strings.Join(ans.Able, ", ")))
		return nil
	}
	for _, r := range ans.Reasons {
		line := "  - " + r.Reason
		if len(r.Drones) > 0 {
			line += "  [" + strings.Join(r.Drones, ", ") + "]"
		}
		fmt.Fprintln(w, termsafe.Line(line))
	}
	if len(ans.Able) > 0 {
		fmt.Fprintf(w, "Able to take it: %s\n", termsafe.Line(strings.Join(ans.Able, ", ")))
	}
	return nil
}
