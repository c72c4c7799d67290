package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/projections"
)

// dronesOptions are the inputs of `swarm drones`.
type dronesOptions struct {
	app  *app
	JSON bool
}

func newDronesCmd(a *app, runF func(context.Context, *dronesOptions) error) *cobra.Command {
	opts := &dronesOptions{app: a}
	cmd := &cobra.Command{
		Use:   "drones",
		Short: "List the build machines",
		Long: `List the drones: id, status (idle, building, grounded, offline, a health
state such as degraded, or admitted: in config.toml but never heard from),
health, cores, CPU and memory use (not shown for a drone that is offline),
current task and when it was last heard from. A drone whose portage settings differ from
config.toml's [portage] gets a Drift: line naming each setting, both values:
it gets no work until it matches.

--json prints an array of objects with id, status, health, cores,
cpu_percent, memory_percent, tasks, last_seen and more (fingerprint: a hash
of its portage settings; portage_drift: [{"setting", "drone", "farm"}]).

swarm drones add and swarm drones remove admit and revoke drones.`,
		Example: `  swarm drones
  swarm drones --json
  T=$(swarm drones add build-01 --capability amd64)
  swarm drones remove build-01`,
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDrones(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.AddCommand(newDronesAddCmd(a, nil), newDronesRemoveCmd(a, nil))
	return cmd
}

func runDrones(ctx context.Context, o *dronesOptions) error {
	st, err := o.app.currentState(ctx)
	if err != nil {
		return err
	}
	rows := st.DroneList()
	if _, cfg, err := o.app.stateConfig(); err == nil {
		rows = commands.Roster(rows, cfg)
	}
	drift := o.app.drifting(st)
	if o.JSON {
		return writeJSON(o.app.out, withDrift(rows, drift))
	}
	if len(rows) == 0 {
		fmt.Fprintln(o.app.out, "no drones yet")
		return nil
	}
	if err := printDrones(o.app.out, rows, time.Now()); err != nil {
		return err
	}
	printDrift(o.app.out, drift, palette{o.app.colour(o.app.out)})
	return nil
}

// droneJSON is a row of `drones --json`: the drone, and the portage
// settings in which it differs from the farm's.
type droneJSON struct {
	projections.DroneRow
	PortageDrift []commands.SettingDiff `json:"portage_drift,omitempty"`
}

func withDrift(rows []projections.DroneRow, drift []commands.DroneDrift) []droneJSON {
	out := make([]droneJSON, len(rows))
	for i, r := range rows {
		out[i].DroneRow = r
		for _, d := range drift {
			if d.ID == r.ID {
				out[i].PortageDrift = d.Differs
			}
		}
	}
	return out
}

// printDrones prints drone rows as a table; now is when "last seen" is
// measured from.
func printDrones(w io.Writer, rows []projections.DroneRow, now time.Time) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tSTATUS\tHEALTH\tCORES\tCPU\tMEM\tTASK\tLAST SEEN")
	for _, d := range rows {
		seen := "never"
		if d.LastSeen != nil {
			seen = ago(*d.LastSeen, now)
		}
		// An offline drone's last samples are stale, and a drone that never
		// called has none: show neither as if it were current.
		cpu, mem := fmt.Sprintf("%.0f%%", d.CPUPercent), fmt.Sprintf("%.0f%%", d.MemoryPercent)
		if !d.Online {
			cpu, mem = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			termsafe.Line(d.ID), termsafe.Line(string(d.Status)), termsafe.Line(orDash(string(d.Health))), coresCell(d.Cores),
			cpu, mem, termsafe.Line(taskCell(d.Tasks)), seen)
	}
	return tw.Flush()
}

func coresCell(n uint32) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// taskCell shows the first task and how many more there are.
func taskCell(tasks []string) string {
	switch len(tasks) {
	case 0:
		return "-"
	case 1:
		return tasks[0]
	}
	return fmt.Sprintf("%s (+%d)", tasks[0], len(tasks)-1)
}
