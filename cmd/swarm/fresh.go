package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/fresh"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/orchestrator"
)

type freshOptions struct {
	app      *app
	From     string
	Tree     string
	NoSync   bool
	MD5Cache string
	Full     bool
}

func newFreshCmd(a *app, runF func(context.Context, *freshOptions) error) *cobra.Command {
	opts := &freshOptions{app: a}
	cmd := &cobra.Command{
		Use:   "fresh",
		Short: "Rebuild the queue from emerge --pretend",
		Long: `Rebuild the queue from what the world set needs now. Without --from, fresh
syncs the portage tree (build.sync: each command tried in order until one
succeeds, e.g. emerge --sync then emerge-webrsync) and runs build.pretend
(default: emerge --pretend --emptytree --quiet=n @world); --from FILE (or -
for stdin) reads saved emerge --pretend output instead and runs nothing.

[ebuild] lines are the packages to build; [binary] lines are already built
and count toward World and Binary; [blocks] and [uninstall] lines are not
packages. The queue is replaced in one step: what is no longer wanted is
dropped, what is new is queued with the capabilities config.toml's
[capabilities] rules say it needs, and what is already built for the same
version and USE flags stays built (--full queues it again too). A fresh
also lifts groundings and the
pause, which were judged against the old tree.

The tree identity (--tree, else the first line of ` + fresh.TreeFile + `) is
recorded: drones on another tree get no work until they sync.

Builds are scheduled by dependencies: from the tree's md5-cache (--md5-cache,
default ` + fresh.MD5CacheDir + `), each package waits for the packages of the
plan it needs (DEPEND, BDEPEND, IDEPEND, RDEPEND), and the ready package on
the longest remaining chain of expected build time goes first ('swarm
history import' teaches the times). Without the metadata, packages go in
the plan's order.

A slot conflict in the plan, or output that does not parse, is an error
(exit 1) that names it, and the queue is left untouched. So are portage's
other failure banners, wherever they are in the output (masked packages,
"there are no ebuilds to satisfy", unmet REQUIRED_USE, blockers, circular
dependencies), and empty input (say, emerge is missing): only output in
which emerge says it has nothing to merge ("Total: 0 packages", "Nothing to
merge") empties the queue.`,
		Example: `  swarm fresh
  emerge --pretend --emptytree @world > plan.txt && swarm fresh --from plan.txt --tree 2026-11-23T00:45Z`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFresh(cmd.Context(), opts, cmd.InOrStdin())
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "read emerge --pretend output from `FILE` (- for stdin) instead of running it")
	cmd.Flags().StringVar(&opts.Tree, "tree", "", "the portage tree's identity `ID` (default: its timestamp.chk)")
	cmd.Flags().BoolVar(&opts.NoSync, "no-sync", false, "do not sync the tree before running build.pretend")
	cmd.Flags().BoolVar(&opts.Full, "full", false, "build everything again, built packages included (default: incremental)")
	cmd.Flags().StringVar(&opts.MD5Cache, "md5-cache", "", "the tree's metadata: an md5-cache `PATH` (a folder, or its TSV form, plain or gzipped) (default: "+fresh.MD5CacheDir+" when present)")
	_ = cmd.MarkFlagFilename("from")
	return cmd
}

func runFresh(ctx context.Context, o *freshOptions, stdin io.Reader) error {
	_, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	opts := o.options(cfg)
	switch {
	case o.From == "-":
		opts.Input, err = io.ReadAll(stdin)
	case o.From != "":
		opts.Input, err = os.ReadFile(o.From)
	}
	if err == nil && o.From != "" && opts.Input == nil {
		opts.Input = []byte{} // read, and empty: not "run pretend"
	}
	if err != nil {
		return fmt.Errorf("fresh: %w; the queue is untouched", err)
	}
	store, err := o.app.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := fresh.Run(ctx, store, opts)
	if err != nil {
		return err
	}
	printFresh(o.app.out, res)
	return nil
}

// options are the fresh pipeline's inputs from the flags and cfg.
func (o *freshOptions) options(cfg config.Config) fresh.Options {
	return fresh.Options{Sync: cfg.Build.Sync, Pretend: cfg.Build.Pretend, NoSync: o.NoSync, Tree: o.Tree,
		MD5Cache: o.MD5Cache, Full: o.Full, Routing: orchestrator.Routing(cfg), Output: o.app.errOut, Logger: o.app.log()}
}

// printFresh prints what a fresh found and what it changed.
func printFresh(w io.Writer, res fresh.Result) {
	fp, diff := res.Plan, res.Diff
	fmt.Fprintf(w, "Discovered %d packages (%d to build, %d already binary)\n", len(fp.Builds)+fp.Binaries, len(fp.Builds), fp.Binaries)
	fmt.Fprintf(w, "Queue: %s\n", diff)
	for _, part := range []struct {
		sign  string
		atoms []string
	}{{"+", diff.Added}, {"-", diff.Removed}, {"~", diff.Changed}, {"!", diff.Retried}} {
		shown := part.atoms[:min(len(part.atoms), 10)]
		for _, a := range shown {
			fmt.Fprintf(w, "  %s %s\n", part.sign, a)
		}
		if n := len(part.atoms) - len(shown); n > 0 {
			fmt.Fprintf(w, "  %s … and %d more ('swarm log --type enqueued' has them all)\n", part.sign, n)
		}
	}
	if fp.Tree != "" {
		fmt.Fprintf(w, "Tree: %s\n", termsafe.Line(fp.Tree))
	}
}
