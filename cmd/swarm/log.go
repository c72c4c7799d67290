package main

import (
	"bufio"
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// logOptions are the inputs of `swarm log`.
type logOptions struct {
	app   *app
	Limit int    // -n: only the last Limit matching events; 0 = all
	Since uint64 // first sequence number to show
	Types typesFlag
	Drone string
	Atom  string
	JSON  bool
	All   bool // show heartbeat-level events too

	selector *commands.Selector // Atom, parsed
}

func newLogCmd(a *app, runF func(context.Context, *logOptions) error) *cobra.Command {
	opts := &logOptions{app: a}
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Show the event log",
		Long: `Show events, oldest first and newest last, like git log: sequence number,
time (UTC, to the millisecond, as --until of replay takes it), type, actor,
package and the other fields that are set.

Filters combine: --since SEQ starts at that sequence number (inclusive);
--type keeps only the given types (repeat it or give a comma list); --drone
keeps events about or by a drone; --atom keeps a package's story (its events
and the exclusions that match it; a name without version, like
sys-devel/llvm, keeps every version's); -n keeps only the last N that match.

Heartbeat-level events are hidden unless --all is given or --type names
them: lease renewals, and drone_health events that change neither the
drone's health nor its portage configuration (resource samples). A failed
build shows its signature and the line that says why (portage's
"* ERROR: … failed (… phase):"); swarm logs ATOM prints the context.

--json prints one JSON object per line with seq, time, type, actor and the
fields that are set, for every matching event (as with --all).`,
		Example: "  swarm log -n 20\n  swarm log --all --drone d1\n  swarm log --type failed,returned --drone d1\n  swarm log --atom sys-devel/llvm-19.1.7 --json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Limit < 0 {
				return usageErrorf(cmd, "-n %d: want a count of 0 or more", opts.Limit)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLog(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&opts.Limit, "max-count", "n", 0, "show only the last `N` matching events (0: all)")
	f.Uint64Var(&opts.Since, "since", 0, "start at sequence number `SEQ`")
	f.Var(&opts.Types, "type", "only events of type `T` (repeatable, or a comma list)")
	f.StringVar(&opts.Drone, "drone", "", "only events about or by drone `ID`")
	f.StringVar(&opts.Atom, "atom", "", "only the story of package `ATOM` (a version, or a name for every version)")
	f.BoolVar(&opts.JSON, "json", false, "print one JSON object per line (every event, as --all)")
	f.BoolVar(&opts.All, "all", false, "also show heartbeat-level events (lease renewals, resource samples)")
	_ = cmd.RegisterFlagCompletionFunc("type", completeWords(events.Types()))
	cmd.AddCommand(newLogExportCmd(a), newLogImportCmd(a), newLogMigrateCmd(a))
	return cmd
}

// match reports whether e passes every filter.
func (o *logOptions) match(e *events.Event) bool {
	if len(o.Types) > 0 && !slices.Contains(o.Types, e.Type) {
		return false
	}
	if o.Drone != "" && e.Drone != o.Drone && e.Actor != o.Drone {
		return false
	}
	return o.selector == nil || o.selector.Concerns(e)
}

func runLog(ctx context.Context, o *logOptions) error {
	if o.Atom != "" {
		sel, err := commands.ParseSelector(o.Atom)
		if err != nil {
			return fmt.Errorf("log --atom: %w", err)
		}
		o.selector = &sel
	}
	store, err := o.app.openStore(true)
	if err != nil {
		return err
	}
	defer store.Close()
	w := bufio.NewWriter(o.app.out)
	print := func(e *events.Event) error {
		if o.JSON {
			return writeJSONLine(w, e)
		}
		_, err := fmt.Fprintln(w, eventLine(e))
		return err
	}
	var last []events.Event // with -n: a ring of the last Limit matches
	var n int
	var routine projections.Routine
	hide := !o.All && !o.JSON && len(o.Types) == 0
	for e, err := range store.Log().Events(ctx, o.Since) {
		if err != nil {
			w.Flush()
			return fmt.Errorf("read the log: %w", err)
		}
		if r := routine.Is(e); (hide && r) || !o.match(e) {
			continue
		}
		if o.Limit == 0 {
			if err := print(e); err != nil {
				return err
			}
			continue
		}
		if len(last) < o.Limit {
			last = append(last, copyEvent(e))
		} else {
			last[n%o.Limit] = copyEvent(e)
		}
		n++
	}
	for i := range last {
		if err := print(&last[(n+i)%len(last)]); err != nil {
			return err
		}
	}
	return w.Flush()
}
