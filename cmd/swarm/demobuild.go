package main

import (
	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/internal/demo"
)

// newDemoBuildCmd is `swarm demo build`, hidden: the build command of the
// demo's drones, which the demo writes into its config.toml.
func newDemoBuildCmd(a *app) *cobra.Command {
	opts := demo.SimOptions{Speedup: demo.DefaultSpeedup}
	cmd := &cobra.Command{
		Use:    "build ATOM",
		Short:  "Simulate building one package (the demo drones' build command)",
		Hidden: true,
		Long: `Simulate building ATOM: print the phases emerge prints, over the time the
package really took to build (from a real emerge.log) divided by --speedup,
and exit 0. The --fail-first package's first attempt fails instead (exit 1),
remembered in the --marks folder, so its retry succeeds.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Atom = args[0]
			return demo.Simulate(cmd.Context(), a.out, opts)
		},
	}
	f := cmd.Flags()
	f.Float64Var(&opts.Speedup, "speedup", demo.DefaultSpeedup, "build `X` times faster than the real build took")
	f.StringVar(&opts.FailFirst, "fail-first", "", "the package `ATOM` whose first attempt fails")
	f.StringVar(&opts.Marks, "marks", "", "the folder `DIR` that remembers first attempts")
	return cmd
}
