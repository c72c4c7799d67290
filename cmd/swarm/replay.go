package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/projections"
)

// replayOptions are the inputs of `swarm replay`.
type replayOptions struct {
	app      *app
	Until    untilFlag
	Explain  string            // an atom whose story to tell
	selector commands.Selector // Explain, parsed
	Drone    string
	JSON     bool

	Incidents  bool     // find and explain incidents instead
	Since      timeFlag // with --incidents or --bundle: from this time on
	WhatIf     []string // KEY=VALUE settings to re-run history with
	Bundle     string   // write an incident bundle here
	FromBundle string   // replay this bundle instead of .swarm/
}

func newReplayCmd(a *app, runF func(context.Context, *replayOptions) error) *cobra.Command {
	opts := &replayOptions{app: a}
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Show the farm as it stood at a past moment",
		Long: `Rebuild every projection from the log as it stood after event --until (a
sequence number, or an RFC 3339 time meaning the last event at or before it;
default: the end of the log) and print the status, the drones and the queue
of that moment. Read-only: forensics for an incident.

--explain ATOM tells one package's story up to that point instead: every
enqueue, claim, lease renewal (summarised), failure with its signature and
log excerpt, return, reclaim and completion, with sequence number, time,
drone and reason, and where the package stood at the end. ATOM may be a
name without version (sys-devel/llvm) when the log holds one version of it.

--drone ID narrows both views to one drone: its row and the packages it
held, failed or returned; with --explain, that drone's part of the story.

--json prints the status object of that moment plus drone_list and
queue_list; with --explain, an object with atom, seq, package and events.

--incidents finds and explains what went wrong up to that point: grounding
storms, systemic pauses, drones that died and the work reclaimed from them,
stalled builds, rejected uploads, deploy skew and failed deploys, duplicate
claims the fence kept out (a drone's late report on work given to another),
builds retried again and again, packages built twice with no re-enqueue
between (which only a log written by something else can hold), packages
built but not promoted (no binary package of theirs reached the index
within a minute of the build, judged by the log's own times), and changes
to the decision rules with what the farm decided under them, each as a
short timeline of the events that prove it (with sequence numbers) and what
resolved it. --since TIME keeps those still open at or after TIME.

--what-if KEY=VALUE (repeatable; [farm] keys like ground_after=3, lease=30s,
systemic_fraction=0.8, or dotted keys) re-runs the history through the
farm's decision rules with those settings and reports what would have
differed: groundings, reclaims, pauses, packages failed for good, and the
makespan when it can be simulated. What the drones did (claims, build
outcomes, dying) is taken as recorded; what the farm decided about it is
decided again; the report says which is which. Where the log records its
settings (config_changed: swarm config set, drones add, serve's start),
history is judged by the rules in force then, with KEY=VALUE over them,
not by today's config.toml.

--bundle FILE writes a self-contained incident archive (tar+zstd): the
log's events up to that point, proven by the hash chain, the config in
force (without token hashes) and the tails of failed builds' logs since
--since. --from-bundle FILE replays such an archive anywhere, without a
.swarm/ folder, with any of the views above.`,
		Example: "  swarm replay --until 1200\n  swarm replay --until 2026-02-05T10:30:00Z --json\n" +
			"  swarm replay --explain sys-devel/llvm-19.1.7\n  swarm replay --explain sys-devel/llvm\n" +
			"  swarm replay --incidents --since 2026-02-05T00:00:00Z\n  swarm replay --what-if ground_after=8 --what-if lease=30s\n" +
			"  swarm replay --bundle incident.tar.zst --since 2026-02-05T10:00:00Z\n  swarm replay --from-bundle incident.tar.zst --incidents",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.checkModes(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runReplay(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Incidents, "incidents", false, "find and explain incidents")
	f.Var(&opts.Since, "since", "with --incidents or --bundle: from `TIME` on (RFC 3339)")
	f.StringArrayVar(&opts.WhatIf, "what-if", nil, "re-run history with setting `KEY=VALUE` (repeatable)")
	f.StringVar(&opts.Bundle, "bundle", "", "write an incident archive to `FILE`")
	f.StringVar(&opts.FromBundle, "from-bundle", "", "replay the incident archive `FILE` instead of .swarm/")
	_ = cmd.MarkFlagFilename("bundle")
	_ = cmd.MarkFlagFilename("from-bundle")
	f.Var(&opts.Until, "until", "replay up to `SEQ|TIME` (a sequence number or an RFC 3339 time)")
	f.StringVar(&opts.Explain, "explain", "", "tell the story of package `ATOM`")
	f.StringVar(&opts.Drone, "drone", "", "only drone `ID` and its packages")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// untilFlag is a point in the log: a sequence number or a time.
type untilFlag struct {
	text   string
	seq    uint64    // when given as a number
	time   time.Time // when given as a time
	isTime bool
}

func (f *untilFlag) String() string { return f.text }
func (f *untilFlag) Type() string   { return "SEQ|TIME" }
func (f *untilFlag) Set(s string) error {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		if n == 0 {
			return fmt.Errorf("sequence numbers start at 1")
		}
		*f = untilFlag{text: s, seq: n}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("%q is neither a sequence number nor an RFC 3339 time (like 2026-02-05T10:30:00Z)", s)
	}
	*f = untilFlag{text: s, time: t, isTime: true}
	return nil
}

func runReplay(ctx context.Context, o *replayOptions) error {
	if o.Explain != "" {
		sel, err := commands.ParseSelector(o.Explain)
		if err != nil {
			return fmt.Errorf("replay --explain: %w", err)
		}
		o.selector = sel
	}
	if o.FromBundle != "" {
		return o.runFromBundle(ctx)
	}
	store, err := o.app.openStore(true)
	if err != nil {
		return err
	}
	defer store.Close()
	if o.Bundle != "" || o.Incidents || len(o.WhatIf) > 0 {
		return o.runForensics(ctx, store)
	}
	st, err := o.stateAt(ctx, store)
	if err != nil {
		return err
	}
	return o.show(ctx, store.Log(), st)
}

// show prints the replayed moment st of src's log: --explain's story, or
// the view.
func (o *replayOptions) show(ctx context.Context, src projections.Source, st *projections.State) error {
	if o.Drone != "" {
		if _, ok := st.Drone(o.Drone); !ok {
			return fmt.Errorf("replay: no drone %q as of seq %d", o.Drone, st.Seq)
		}
	}
	if o.Explain != "" {
		return o.explain(ctx, src, st)
	}
	v := o.view(st)
	if o.JSON {
		return writeJSON(o.app.out, v)
	}
	return printView(o.app.out, v, palette{o.app.colour(o.app.out)})
}

// stateAt returns the State after the event --until names.
func (o *replayOptions) stateAt(ctx context.Context, store *commands.Store) (*projections.State, error) {
	until := o.Until.seq
	if o.Until.isTime {
		seq, err := seqAtTime(ctx, store.Log(), o.Until.time)
		if err != nil {
			return nil, err
		}
		if seq == 0 {
			return projections.New(), nil // before the first event
		}
		until = seq
	}
	st, err := store.LoadAt(ctx, until)
	if err != nil {
		return nil, err
	}
	if until != 0 && st.Seq < until {
		return nil, fmt.Errorf("replay: --until %d is past the end of the log (seq %d)", until, st.Seq)
	}
	return st, nil
}

// seqAtTime returns the last event at or before t (0: none).
func seqAtTime(ctx context.Context, src projections.Source, t time.Time) (uint64, error) {
	var seq uint64
	for e, err := range src.Events(ctx, 0) {
		if err != nil {
			return 0, fmt.Errorf("read the log: %w", err)
		}
		if e.Time.After(t) {
			break
		}
		seq = e.Seq
	}
	return seq, nil
}

// view is everything of st, narrowed to --drone if given.
func (o *replayOptions) view(st *projections.State) projections.View {
	v := st.View()
	v.DroneList, v.QueueList = nonNil(v.DroneList), nonNil(v.QueueList)
	if o.Drone == "" {
		return v
	}
	v.DroneList = slices.DeleteFunc(v.DroneList, func(d projections.DroneRow) bool { return d.ID != o.Drone })
	v.QueueList = slices.DeleteFunc(v.QueueList, func(r projections.QueueRow) bool {
		return r.Drone != o.Drone && r.BuiltBy != o.Drone &&
			!slices.Contains(r.FailedOn, o.Drone) && !slices.Contains(r.ReturnedBy, o.Drone)
	})
	return v
}

// printView prints a replayed moment: status, drones, queue. "Ago" is
// measured from the moment itself.
func printView(w io.Writer, v projections.View, p palette) error {
	if v.Seq == 0 {
		fmt.Fprintln(w, p.bold("As of the start of the log (no events)"))
	} else {
		fmt.Fprintln(w, p.bold(fmt.Sprintf("As of seq %d, %s", v.Seq, stampTime(v.Time))))
	}
	fmt.Fprintln(w)
	printStatus(w, v.Status, v.Time, p)
	fmt.Fprintln(w, "\n"+p.bold("Drones"))
	if len(v.DroneList) == 0 {
		fmt.Fprintln(w, "no drones")
	} else if err := printDrones(w, v.DroneList, v.Time); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n"+p.bold("Queue"))
	if len(v.QueueList) == 0 {
		fmt.Fprintln(w, "no packages")
		return nil
	}
	return printQueue(w, asEntries(v.QueueList))
}
