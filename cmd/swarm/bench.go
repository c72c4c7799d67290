package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/bench"
)

// benchOptions are the inputs of `swarm bench`.
type benchOptions struct {
	app     *app
	Quick   bool
	JSON    bool
	Scratch string   // folder on the disk to measure
	Probes  []string // groups of probes to run (empty: all)
}

func newBenchCmd(a *app, runF func(context.Context, *benchOptions) error) *cobra.Command {
	opts := &benchOptions{app: a}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure this machine's limits and swarm against them",
		Long: `Measure this machine's limits and swarm against them, as ratios: appends
against raw write+fdatasync, group commit against a minimal one, replay of a
1,000,000-event farm log against a hand-written decoder, swarm status as a
new process, the log's compression, and the orchestrator itself: 64 and 16
simulated drones claiming and completing, and 64 heartbeating, over loopback
HTTP against a minimal durable HTTP handler, the slowest request while
snapshots are written, and one swarm serve process farming for 1,000
drones on a 100,000-package queue (its memory, claim latency and status;
left out of --quick unless asked for with --probe fleet). Raw and swarm run
interleaved, so both see the same disk and neighbours. Run it on a new
orchestrator disk.

The work happens in a temporary folder inside --scratch (default: the
current folder), removed afterwards. Progress goes to stderr. Exits 1 if a
probe missed its goal, after printing the whole report.

--json prints the report: env and results (name, value, unit, ratio, raw,
goal, pass, …).`,
		Example: "  swarm bench --quick\n  swarm bench --scratch /var/lib/swarm --json\n  swarm bench --quick --probe claims --probe snapshot",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, p := range opts.Probes {
				if !slices.Contains(bench.ProbeGroups, p) {
					return usageErrorf(cmd, "--probe %q: the groups are %s", p, strings.Join(bench.ProbeGroups, ", "))
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runBench(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Quick, "quick", false, "fewer, shorter rounds (well under a minute)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&opts.Scratch, "scratch", "", "measure the disk of folder `DIR` (default: the current folder)")
	cmd.Flags().StringSliceVar(&opts.Probes, "probe", nil,
		"run only the probes of `GROUP` (repeatable: "+strings.Join(bench.ProbeGroups, ", ")+")")
	_ = cmd.MarkFlagDirname("scratch")
	return cmd
}

func runBench(ctx context.Context, o *benchOptions) error {
	self, err := os.Executable()
	if err != nil {
		self = "" // the status probe is skipped
	}
	rep, err := bench.Run(ctx, bench.Options{
		Dir:         o.Scratch,
		Quick:       o.Quick,
		Logger:      o.app.log(),
		Progress:    func(line string) { fmt.Fprintln(o.app.errOut, line) },
		SwarmBinary: self,
		Probes:      o.Probes,
	})
	if err != nil {
		return err
	}
	if o.JSON {
		err = writeJSON(o.app.out, rep)
	} else {
		err = rep.WriteText(o.app.out)
	}
	if err != nil {
		return err
	}
	if failed := rep.Failed(); len(failed) > 0 {
		names := make([]string, len(failed))
		for i, f := range failed {
			names[i] = f.Name
		}
		return fmt.Errorf("bench: %s missed: %s", plural(len(failed), "goal", "goals"), strings.Join(names, ", "))
	}
	return nil
}
