package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/internal/demo"
)

// demoOptions are the inputs of `swarm demo`.
type demoOptions struct {
	app      *app
	Packages int
	Speedup  float64
	Drones   int
	Slots    int
	Timeout  time.Duration
	Keep     bool
}

func newDemoCmd(a *app, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{app: a}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a throwaway farm on real package data, for a first look",
		Long: `Run a throwaway farm on this machine: an orchestrator (swarm serve) and
three drones (swarm drone), each a separate process, building packages of a
real KDE rebuild (an emerge -p list) with the build times the same packages
really took (an emerge.log), sped up. Nothing is compiled: the drones' build
command is swarm itself, printing emerge-like progress for the scaled
duration. One package fails its first attempt, to show a retry.

The farm lives in a new temporary folder, with its own .swarm/; your own
state folder is never touched, so --dir does not apply. The progress is a
live line on a terminal and a line every few seconds otherwise. Once the
queue drains, the demo stops every process and prints the final status as
swarm status does. The folder is then removed, unless --keep: with it, try
swarm replay, log and queue on the farm that just ran.

Ctrl-C stops every process of the farm and removes the folder. If the queue
has not drained by --timeout, the demo exits 1 and keeps the folder, saying
where, with each process's log in its logs/.`,
		Example: `  swarm demo
  swarm demo --packages 12
  swarm demo --keep --packages 120 --speedup 64`,
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDemo(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Packages, "packages", demo.DefaultPackages,
		fmt.Sprintf("how many packages to build, `N` of the %d in the list", len(demo.Packages())))
	f.Float64Var(&opts.Speedup, "speedup", demo.DefaultSpeedup, "build `X` times faster than the real builds took")
	f.IntVar(&opts.Drones, "drones", 3, "how many drones")
	f.IntVar(&opts.Slots, "slots", 2, "builds each drone runs at once")
	f.DurationVar(&opts.Timeout, "timeout", 0, "give up if the queue has not drained after this long (default: from the plan, generously)")
	f.BoolVar(&opts.Keep, "keep", false, "keep the farm's folder afterwards, to explore it")
	cmd.AddCommand(newDemoBuildCmd(a))
	return cmd
}

// check refuses flag values out of range, as usage errors.
func (o *demoOptions) check(cmd *cobra.Command) error {
	n := len(demo.Packages())
	switch {
	case o.app.dir != "":
		return usageErrorf(cmd, "--dir does not apply: the demo makes its own throwaway folder")
	case o.Packages < 1 || o.Packages > n:
		return usageErrorf(cmd, "--packages %d: the list has 1 to %d", o.Packages, n)
	case !(o.Speedup >= 1):
		return usageErrorf(cmd, "--speedup %g: at least 1 (1 = as slow as the real builds)", o.Speedup)
	case o.Drones < 1 || o.Drones > 16:
		return usageErrorf(cmd, "--drones %d: 1 to 16", o.Drones)
	case o.Slots < 1 || o.Slots > 16:
		return usageErrorf(cmd, "--slots %d: 1 to 16", o.Slots)
	case o.Timeout < 0:
		return usageErrorf(cmd, "--timeout %s: not negative", o.Timeout)
	}
	return nil
}

func runDemo(ctx context.Context, o *demoOptions) error {
	plan, err := demo.NewPlan(o.Packages, o.Speedup)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("demo: find the swarm binary to run: %w", err)
	}
	dir, err := os.MkdirTemp("", "swarm-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	stateDir := filepath.Join(dir, stateDirName)
	if err := createStateDir(stateDir); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("demo: %w", err)
	}
	w, p := o.app.out, palette{o.app.colour(o.app.out)}
	printDemoIntro(w, p, dir, plan, o)
	prog := newDemoProgress(w, p, isTerminal(w), len(plan.Builds))
	res, err := demo.Run(ctx, demo.Options{
		Dir: dir, StateDir: stateDir, Exe: exe, Plan: plan,
		Drones: o.Drones, Slots: o.Slots, Deadline: o.Timeout,
		Progress: prog.update, Logger: o.app.log(),
	})
	prog.finish()
	return o.finish(ctx, dir, plan, res, err)
}

// finish prints how the demo ended and removes its folder, unless asked to
// keep it or the farm failed to drain (the folder is then the evidence).
func (o *demoOptions) finish(ctx context.Context, dir string, plan demo.Plan, res *demo.Result, err error) error {
	w, p := o.app.out, palette{o.app.colour(o.app.out)}
	interrupted := ctx.Err() != nil
	if res != nil && !interrupted {
		fmt.Fprintln(w)
		printStatus(w, res.Status, time.Now(), p)
	}
	switch {
	case interrupted:
		if o.Keep {
			return fmt.Errorf("demo: interrupted; the farm is stopped and its folder kept: %s", dir)
		}
		os.RemoveAll(dir)
		return errors.New("demo: interrupted; the farm is stopped and its folder removed")
	case err != nil:
		return fmt.Errorf("%w; the farm's folder is kept for a look: %s (each process's output is in its logs/)",
			err, dir)
	}
	fmt.Fprintln(w)
	printDemoNext(w, dir, plan, res, o.Keep)
	if !o.Keep {
		return os.RemoveAll(dir)
	}
	return nil
}
