package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/projections"
)

type excludeOptions struct {
	app     *app
	Pattern string
	Drone   string
	Reason  string
	JSON    bool
}

func newExcludeCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exclude",
		Short: "Keep packages out of the queue, or off one drone",
		Long: `Package control. 'exclude add' keeps every package matching a pattern out of
the queue (or, with --drone, off that drone only); 'exclude rm' lifts it;
'exclude list' shows the exclusions in force, the [exclude] patterns of
config.toml, and the packages failed on enough drones that the farm stopped
retrying them (auto-excluded until re-enqueued).

Patterns: cat/name (every version), cat/name-1.2 (one version), or globs such
as cat/* and */*-bin. A package being built when it is excluded finishes that
attempt.`,
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newExcludeAddCmd(a), newExcludeRmCmd(a), newExcludeListCmd(a))
	return cmd
}

func newExcludeAddCmd(a *app) *cobra.Command {
	o := &excludeOptions{app: a}
	cmd := &cobra.Command{
		Use:   "add PATTERN",
		Short: "Exclude the packages matching PATTERN",
		Example: `  swarm exclude add 'app-emulation/*' --reason "no KVM on the drones"
  swarm exclude add dev-lang/rust --drone build-02 --reason "4 GB RAM is not enough"`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Pattern = args[0]
			return runExcludeChange(cmd.Context(), o, true)
		},
	}
	cmd.Flags().StringVar(&o.Drone, "drone", "", "exclude on this drone `ID` only")
	cmd.Flags().StringVar(&o.Reason, "reason", "", "why, for 'exclude list' and 'swarm why'")
	return cmd
}

func newExcludeRmCmd(a *app) *cobra.Command {
	o := &excludeOptions{app: a}
	cmd := &cobra.Command{
		Use:     "rm PATTERN",
		Aliases: []string{"remove"},
		Short:   "Lift an exclusion",
		Example: "  swarm exclude rm 'app-emulation/*'",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Pattern = args[0]
			return runExcludeChange(cmd.Context(), o, false)
		},
	}
	cmd.Flags().StringVar(&o.Drone, "drone", "", "the drone `ID` the exclusion was for")
	return cmd
}

func runExcludeChange(ctx context.Context, o *excludeOptions, add bool) error {
	if add {
		if err := commands.CheckPattern(o.Pattern); err != nil {
			return fmt.Errorf("exclude: %w", err)
		}
	}
	store, err := o.app.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	if add && o.Drone != "" {
		if err := o.checkDrone(ctx, store); err != nil {
			return err
		}
	}
	d := commands.Include(commands.ActorOperator, o.Pattern, o.Drone)
	if add {
		d = commands.Exclude(commands.ActorOperator, o.Pattern, o.Drone, o.Reason)
	}
	if _, err := store.Execute(ctx, d); err != nil {
		return fmt.Errorf("exclude: %w", err)
	}
	verb := "excluded"
	if !add {
		verb = "no longer excluded"
	}
	fmt.Fprintf(o.app.out, "%s: %s\n", verb, termsafe.Line(o.Pattern+onDroneText(o.Drone)))
	return nil
}

// checkDrone refuses --drone naming a drone that does not exist, as
// 'swarm ground' does: an exclusion for a misspelt id would apply to
// nothing and say nothing.
func (o *excludeOptions) checkDrone(ctx context.Context, store *commands.Store) error {
	_, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	st, err := store.Load(ctx)
	if err != nil {
		return err
	}
	if err := knownDrone(cfg, st, o.Drone); err != nil {
		return fmt.Errorf("exclude: --drone %s: %w", o.Drone, err)
	}
	return nil
}

func onDroneText(drone string) string {
	if drone == "" {
		return ""
	}
	return " on " + drone
}

// excludeRow is one line of `exclude list --json`.
type excludeRow struct {
	Pattern string `json:"pattern"`
	Drone   string `json:"drone,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Source  string `json:"source"` // "event", "config" or "failed"
	Seq     uint64 `json:"seq,omitempty"`
}

func newExcludeListCmd(a *app) *cobra.Command {
	o := &excludeOptions{app: a}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show the exclusions in force",
		Long: `Show the exclusions in force: those added with 'exclude add' (source
"event"), config.toml's [exclude] patterns ("config"), and packages failed on
farm.fail_after_drones drones, which are not retried until re-enqueued
("failed", with the drones and the last failure as the reason).

--json prints an array of {pattern, drone, reason, source, seq}.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runExcludeList(cmd.Context(), o) },
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	return cmd
}

func runExcludeList(ctx context.Context, o *excludeOptions) error {
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
	rows := []excludeRow{}
	for _, x := range st.Exclusions() {
		rows = append(rows, excludeRow{Pattern: x.Pattern, Drone: x.Drone, Reason: x.Reason, Source: "event", Seq: x.Seq})
	}
	for _, p := range cfg.Exclude.Patterns {
		rows = append(rows, excludeRow{Pattern: p, Source: "config", Reason: "config.toml [exclude]"})
	}
	for _, q := range st.QueueList(string(projections.Failed)) {
		rows = append(rows, excludeRow{Pattern: q.Atom, Source: "failed",
			Reason: fmt.Sprintf("failed on %v (last: %s)", q.FailedOn, q.LastFailure)})
	}
	if o.JSON {
		return writeJSON(o.app.out, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(o.app.out, "nothing is excluded")
		return nil
	}
	tw := newTable(o.app.out)
	fmt.Fprintln(tw, "PATTERN\tDRONE\tSOURCE\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", termsafe.Line(r.Pattern), termsafe.Line(orDash(r.Drone)), r.Source,
			termsafe.Line(orDash(r.Reason)))
	}
	return tw.Flush()
}
