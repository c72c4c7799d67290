package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
)

type groundOptions struct {
	app    *app
	Drone  string
	For    time.Duration
	Reason string
}

func newGroundCmd(a *app, runF func(context.Context, *groundOptions) error) *cobra.Command {
	opts := &groundOptions{app: a}
	cmd := &cobra.Command{
		Use:   "ground DRONE",
		Short: "Stop a drone from claiming work (the manual circuit breaker)",
		Long: `Ground a drone: it claims nothing until the grounding ends, and the packages
it is building go back to the queue now for other drones. The grounding lasts
farm.ground_for (default 5m) unless --for says otherwise; --for 0 grounds it
until 'swarm unground'. A drone admitted but not yet seen may be grounded.

The circuit breaker does the same by itself when a drone fails
farm.ground_after builds in a row.`,
		Example: `  swarm ground build-03 --for 2h --reason "replacing its disk"
  swarm ground build-03 --for 0     # until swarm unground`,
		Args:              usageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeDroneIDs(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Drone = args[0]
			switch {
			case !cmd.Flags().Changed("for"):
				opts.For = -1
			case opts.For < 0:
				return usageErrorf(cmd, "--for %s: must not be negative (0 = until 'swarm unground')", opts.For)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runGround(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.For, "for", 0, "how long, as a `DURATION` like 30m or 2h; 0 = until ungrounded (default: farm.ground_for)")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why, for swarm drones and the log")
	return cmd
}

func runGround(ctx context.Context, o *groundOptions) error {
	_, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	store, err := o.app.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	st, err := store.Load(ctx)
	if err != nil {
		return err
	}
	if err := commands.KnownDrone(cfg, st, o.Drone); err != nil {
		return fmt.Errorf("ground %s: %w", o.Drone, err)
	}
	d := o.For
	if d < 0 {
		d = cfg.Farm.GroundFor.Duration
	}
	var until time.Time
	if d > 0 {
		until = time.Now().Add(d)
	}
	reason := o.Reason
	if reason == "" {
		reason = "grounded by the operator"
	}
	out, err := store.Execute(ctx, commands.Ground(commands.ActorOperator, o.Drone, until, reason))
	if err != nil {
		return fmt.Errorf("ground: %w", err)
	}
	msg := "grounded " + o.Drone + " until 'swarm unground'"
	if !until.IsZero() {
		msg = fmt.Sprintf("grounded %s until %s", o.Drone, until.Format(time.RFC3339))
	}
	if n := len(out.Events) - 1; n > 0 {
		msg += fmt.Sprintf("; %s back to the queue", plural(n, "package", "packages"))
	}
	fmt.Fprintln(o.app.out, termsafe.Line(msg))
	return nil
}

type ungroundOptions struct {
	app   *app
	Drone string
}

func newUngroundCmd(a *app, runF func(context.Context, *ungroundOptions) error) *cobra.Command {
	opts := &ungroundOptions{app: a}
	return &cobra.Command{
		Use:   "unground DRONE",
		Short: "Let a grounded drone claim work again",
		Long: `Lift a drone's grounding now, whether the circuit breaker or an operator
grounded it. Its failure streak starts afresh. A drone that is not grounded
is an error (exit 1).`,
		Example:           "  swarm unground build-03",
		Args:              usageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeDroneIDs(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Drone = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			store, err := opts.app.openStore(false)
			if err != nil {
				return err
			}
			defer store.Close()
			if _, err := store.Execute(cmd.Context(), commands.Unground(commands.ActorOperator, opts.Drone)); err != nil {
				return fmt.Errorf("unground: %w", err)
			}
			fmt.Fprintf(opts.app.out, "ungrounded %s\n", termsafe.Line(opts.Drone))
			return nil
		},
	}
}

// completeDroneIDs completes drone ids from the state folder's drones.
func completeDroneIDs(a *app) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		st, err := a.currentState(cmd.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var ids []string
		for _, d := range st.DroneList() {
			ids = append(ids, d.ID)
		}
		return ids, cobra.ShellCompDirectiveNoFileComp
	}
}
