package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/fresh"
	"github.com/swarm-build/swarm/internal/simgraph"
	"github.com/swarm-build/swarm/internal/world"
	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/schedule"
)

// simulateOptions are the inputs of `swarm simulate`.
type simulateOptions struct {
	app       *app
	Graph     string    // md5-cache TSV (plain or gzipped) or md5-cache folder
	WorldFile string    // with Graph: the roots, one atom per line
	From      string    // emerge --pretend output to plan instead of the queue
	MD5Cache  string    // with From: the metadata that orders it
	Durations string    // emerge.log (plain or gzipped)
	Drones    coresFlag // cores per drone; entries with + add to the farm's drones
	World     int       // roots taken from the built-in desktop world; 0: all of it
	JSON      bool
}

// defaultFleet is the fleet simulated when there is no farm and --drones
// does not say.
var defaultFleet = coresFlag{cores: []int{24, 16, 14, 8}}

func newSimulateCmd(a *app, runF func(context.Context, *simulateOptions) error) *cobra.Command {
	opts := &simulateOptions{app: a}
	cmd := &cobra.Command{
		Use:   "simulate [--from FILE | --graph METADATA [--world-file FILE]] [--durations EMERGE_LOG] [--drones CORES,...] [--json]",
		Short: "Plan this farm's work on a simulated clock: how long, and with which drones",
		Long: `Plan the farm's work with swarm's own scheduler on a simulated clock, and
compare it with what no schedule can beat and with a naive dispatcher. It
answers "how long will what is queued take?" and "what if I add a 16-core
machine?" (--drones +16). Nothing is written.

The work is, by default, what this farm's queue still has to build (needed
and building packages, with the dependencies fresh planned). --from FILE
plans saved emerge --pretend output instead (with --md5-cache, the tree's
metadata, ordering it by dependencies as fresh does). --graph METADATA
takes the closure of a world over a portage tree's metadata (an md5-cache
folder, metadata/md5-cache, or its TSV form, plain or gzipped): the roots
of --world-file FILE (a portage world file, /var/lib/portage/world), else a
built-in world of a real KDE desktop and the base system (--world N takes N
of its roots, spread evenly); roots the metadata lacks are skipped.

Build times are the farm's learned ones ('swarm history import', and its
own builds); --durations EMERGE_LOG (plain or gzipped) adds those of a
portage emerge.log, the median of each package's recent builds. A package
with no time gets the median of its category's measured packages (when it
has 3 or more), else the median of all of them.

The fleet is the farm's registered drones; --drones 24,16,8 simulates that
fleet instead, and --drones +16,+16 adds two 16-core drones to the farm's
(without a farm: 24,16,14,8). A drone builds one package at a time with
all its cores, and build times scale linearly with cores: times are taken
as measured on an 8-core machine, so a 24-core drone builds three times as
fast. (That reference changes every time by the same factor, and no
ratio.)

The scheduler simulated is the orchestrator's own: the very deciders
'swarm serve' executes (fresh's critical-path priorities, then dispatch and
completion), folded into the farm's state on a simulated clock.

Printed for the critical-path scheduler (longest remaining chain first,
bigger drones first, long builds left to a bigger drone about to be free)
and for FIFO (the queue's order, any free drone; dependencies respected
by both):
  makespan      when the last build ends
  lower bound   max(critical path on the fastest drone, total work / cores)
  ratio         makespan / lower bound (1.00 is perfect)
  utilisation   busy core-time / (cores x makespan)

--json prints one object: packages, roots, drones (cores), cores,
makespan_s, lower_bound_s, critical_path_s, work_bound_s, ratio,
utilisation, fifo_makespan_s, fifo_ratio, fifo_utilisation, speedup
(FIFO's makespan over the scheduler's), measured, estimated, source.

Bad input — a file that is not what it should be — exits 1 naming the file
and line.`,
		Example: `  swarm simulate
  swarm simulate --drones +16
  swarm simulate --from plan.txt --md5-cache /var/db/repos/gentoo/metadata/md5-cache
  swarm simulate --graph /var/db/repos/gentoo/metadata/md5-cache \
      --world-file /var/lib/portage/world --durations /var/log/emerge.log --drones 32,24,16,8`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSimulate(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.From, "from", "", "plan saved emerge --pretend output `FILE` instead of the queue")
	f.StringVar(&opts.MD5Cache, "md5-cache", "", "with --from: the tree's metadata `PATH` (md5-cache folder or TSV) that orders it")
	f.StringVar(&opts.Graph, "graph", "", "the closure of a world over this tree's metadata `PATH` (md5-cache folder or TSV, plain or gzipped)")
	f.StringVar(&opts.WorldFile, "world-file", "", "with --graph: the roots, a portage world `FILE`")
	f.StringVar(&opts.Durations, "durations", "", "also learn build times from this `EMERGE_LOG` (plain or gzipped)")
	f.Var(&opts.Drones, "drones", "the fleet: cores of each drone, comma-separated; +N adds a drone to the farm's")
	f.IntVar(&opts.World, "world", 0, "with --graph and no --world-file: `N` roots of the built-in desktop world (default: all)")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	_ = cmd.MarkFlagFilename("durations")
	_ = cmd.MarkFlagFilename("from")
	_ = cmd.MarkFlagFilename("world-file")
	return cmd
}

// check finds the usage errors no flag parser can.
func (o *simulateOptions) check(cmd *cobra.Command) error {
	switch {
	case o.Graph != "" && o.From != "":
		return usageErrorf(cmd, "--graph and --from: give one source of work")
	case o.WorldFile != "" && o.Graph == "":
		return usageErrorf(cmd, "--world-file needs --graph: the metadata to take its closure over")
	case o.MD5Cache != "" && o.From == "":
		return usageErrorf(cmd, "--md5-cache orders --from's plan; without --from the queue has its dependencies")
	case o.World < 0:
		return usageErrorf(cmd, "--world %d: not negative (0: every root of the built-in world)", o.World)
	case o.World > len(world.RealisticRoots()):
		return usageErrorf(cmd, "--world %d: the built-in world has %d roots", o.World, len(world.RealisticRoots()))
	case o.World > 0 && (o.Graph == "" || o.WorldFile != ""):
		return usageErrorf(cmd, "--world takes roots of the built-in world: with --graph, and without --world-file")
	}
	return nil
}

// simulateReport is what swarm simulate prints; its JSON keys are a stable
// interface (CLI.md).
type simulateReport struct {
	Packages        int     `json:"packages"`
	Roots           int     `json:"roots"`
	Drones          []int   `json:"drones"`
	Cores           int     `json:"cores"`
	RefCores        int     `json:"ref_cores"`
	MakespanS       float64 `json:"makespan_s"`
	LowerBoundS     float64 `json:"lower_bound_s"`
	CriticalPathS   float64 `json:"critical_path_s"`
	WorkBoundS      float64 `json:"work_bound_s"`
	Ratio           float64 `json:"ratio"`
	Utilisation     float64 `json:"utilisation"`
	FIFOMakespanS   float64 `json:"fifo_makespan_s"`
	FIFORatio       float64 `json:"fifo_ratio"`
	FIFOUtilisation float64 `json:"fifo_utilisation"`
	Speedup         float64 `json:"speedup"`
	Measured        int     `json:"measured"`
	Estimated       int     `json:"estimated"`
	Source          string  `json:"source"` // queue, from or graph
}

// simWork is the work a simulation plans, and where its times came from.
type simWork struct {
	jobs                          []schedule.Job
	roots                         int
	source                        string // "queue", "from", "graph"
	what                          string // the report's first line's label and text
	measured, byCategory, overall int
}

func runSimulate(ctx context.Context, o *simulateOptions) error {
	st, err := o.farmState(ctx)
	if err != nil {
		return err
	}
	known, err := o.buildTimes(st)
	if err != nil {
		return err
	}
	w, err := o.work(st, known)
	if err != nil {
		return err
	}
	if len(w.jobs) == 0 {
		return errors.New("simulate: nothing to build: the queue has no needed package (use --from or --graph to plan other work)")
	}
	fleet, cores := o.fleet(st)
	// The scheduler measured is the orchestrator's own dispatch (the same
	// deciders swarm serve executes), on a simulated clock.
	cp, err := commands.SimulateDispatch(w.jobs, fleet)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	bounds, err := schedule.LowerBound(w.jobs, fleet)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	fifo, err := schedule.Simulate(w.jobs, fleet, schedule.PolicyFIFO)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	rep := simulateReport{
		Packages: len(w.jobs), Roots: w.roots, Drones: cores, RefCores: schedule.RefCores,
		MakespanS: seconds(cp.Makespan), LowerBoundS: seconds(bounds.Max()),
		CriticalPathS: seconds(bounds.CriticalPath), WorkBoundS: seconds(bounds.Work),
		Ratio: float64(cp.Makespan) / float64(max(bounds.Max(), 1)), Utilisation: cp.Utilisation,
		FIFOMakespanS: seconds(fifo.Makespan), FIFORatio: fifo.Ratio(), FIFOUtilisation: fifo.Utilisation,
		Measured: w.measured, Estimated: len(w.jobs) - w.measured, Source: w.source,
	}
	for _, c := range cores {
		rep.Cores += c
	}
	rep.Speedup = 1
	if cp.Makespan > 0 {
		rep.Speedup = float64(fifo.Makespan) / float64(cp.Makespan)
	}
	if o.JSON {
		return writeJSON(o.app.out, rep)
	}
	printSimulation(o.app.out, rep, w)
	return nil
}

// farmState is the state folder's farm, or nil where there is none (a
// simulation of --graph or --from needs no farm).
func (o *simulateOptions) farmState(ctx context.Context) (*projections.State, error) {
	st, err := o.app.currentState(ctx)
	if errors.Is(err, errNoSwarm) {
		if o.Graph == "" && o.From == "" {
			return nil, fmt.Errorf("simulate: %w (or plan other work with --from or --graph)", err)
		}
		return nil, nil
	}
	return st, err
}

// buildTimes are the farm's learned build times, with an emerge.log's
// added where the farm has none.
func (o *simulateOptions) buildTimes(st *projections.State) (map[string]time.Duration, error) {
	known := map[string]time.Duration{}
	if o.Durations != "" {
		d, err := simgraph.ReadDurations(o.Durations)
		if err != nil {
			return nil, fmt.Errorf("simulate: %w", err)
		}
		known = d
	}
	if st != nil {
		maps.Copy(known, st.ExpectedAll()) // the farm's own measurements win
	}
	if len(known) == 0 {
		return nil, errors.New("simulate: no build times known: give --durations EMERGE_LOG, or teach the farm with 'swarm history import'")
	}
	return known, nil
}

// work is what the simulation builds: the queue, --from's plan or
// --graph's closure.
func (o *simulateOptions) work(st *projections.State, known map[string]time.Duration) (simWork, error) {
	est := schedule.NewEstimates(known)
	switch {
	case o.Graph != "":
		roots := simgraph.Roots(o.World)
		if o.WorldFile != "" {
			var err error
			if roots, err = simgraph.ReadWorldFile(o.WorldFile); err != nil {
				return simWork{}, fmt.Errorf("simulate: %w", err)
			}
		}
		in, err := simgraph.Closure(o.Graph, known, roots)
		if err != nil {
			return simWork{}, fmt.Errorf("simulate: %w", err)
		}
		return simWork{jobs: in.Jobs, roots: in.Roots, source: "graph", measured: in.Measured, byCategory: in.ByCategory,
			overall: in.Overall, what: fmt.Sprintf("%-14s%s from %s", "Graph:", plural(len(in.Jobs), "package", "packages"),
				plural(in.Roots, "root", "roots"))}, nil
	case o.From != "":
		input, err := os.ReadFile(o.From)
		if err != nil {
			return simWork{}, fmt.Errorf("simulate: %w", err)
		}
		fp, err := fresh.Plan(input, fresh.Options{Tree: "simulated", MD5Cache: o.MD5Cache, Logger: o.app.log()})
		if err != nil {
			return simWork{}, fmt.Errorf("simulate: %s: %w", o.From, err)
		}
		w := simWork{source: "from", what: fmt.Sprintf("%-14s%s to build in %s", "Plan:",
			plural(len(fp.Builds), "package", "packages"), o.From)}
		for _, b := range fp.Builds {
			work, _ := est.Work(projections.CP(b.Atom))
			w.jobs = append(w.jobs, schedule.Job{ID: b.Atom, Work: max(work, time.Second), Deps: b.Deps})
		}
		w.count(est)
		return w, nil
	}
	jobs, _ := commands.PendingWork(st, known)
	w := simWork{jobs: jobs, source: "queue", what: fmt.Sprintf("%-14s%s still to build", "Queue:",
		plural(len(jobs), "package", "packages"))}
	w.count(est)
	return w, nil
}

// count tallies where each job's time came from.
func (w *simWork) count(est *schedule.Estimates) {
	for _, j := range w.jobs {
		switch _, src := est.Work(projections.CP(j.ID)); src {
		case schedule.Measured:
			w.measured++
		case schedule.Category:
			w.byCategory++
		default:
			w.overall++
		}
	}
}

// fleet is the drones simulated: --drones, the farm's (plus --drones +N),
// or the default.
func (o *simulateOptions) fleet(st *projections.State) ([]schedule.Drone, []int) {
	var cores []int
	switch {
	case len(o.Drones.cores) > 0 && !o.Drones.add:
		cores = o.Drones.cores
	case st != nil && len(commands.Fleet(st)) > 0:
		for _, d := range commands.Fleet(st) {
			cores = append(cores, d.Cores)
		}
		cores = append(cores, o.Drones.cores...)
	default:
		cores = append(slices.Clone(defaultFleet.cores), o.Drones.cores...)
	}
	fleet := make([]schedule.Drone, len(cores))
	for i, c := range cores {
		fleet[i] = schedule.Drone{ID: fmt.Sprintf("drone%d", i+1), Cores: c}
	}
	return fleet, cores
}

func printSimulation(w io.Writer, r simulateReport, work simWork) {
	fmt.Fprintf(w, "%s (%d by their own history, %d by their category's, %d by the overall median)\n",
		work.what, work.measured, work.byCategory, work.overall)
	cores := make([]string, len(r.Drones))
	for i, c := range r.Drones {
		cores[i] = strconv.Itoa(c)
	}
	fmt.Fprintf(w, "Fleet:        %s, %d cores (%s)\n", plural(len(r.Drones), "drone", "drones"), r.Cores, strings.Join(cores, ", "))
	fmt.Fprintf(w, "Lower bound:  %s (critical path %s, work / cores %s)\n",
		clock(r.LowerBoundS), clock(r.CriticalPathS), clock(r.WorkBoundS))
	t := newTable(w)
	fmt.Fprintln(t, "\nscheduler\tmakespan\tratio\tutilisation")
	fmt.Fprintf(t, "critical path\t%s\t%.3f\t%.1f%%\n", clock(r.MakespanS), r.Ratio, 100*r.Utilisation)
	fmt.Fprintf(t, "fifo\t%s\t%.3f\t%.1f%%\n", clock(r.FIFOMakespanS), r.FIFORatio, 100*r.FIFOUtilisation)
	t.Flush()
	fmt.Fprintf(w, "\nThe critical-path scheduler finishes %.2fx sooner than FIFO.\n", r.Speedup)
}

// seconds is d in seconds, to the millisecond.
func seconds(d time.Duration) float64 { return d.Round(time.Millisecond).Seconds() }

// clock prints seconds as a build time: 42s, 9m05s, 3h07m.
func clock(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return d.String()
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// coresFlag is a comma-separated list of core counts, one per drone; with
// every entry written +N, the drones are added to the farm's.
type coresFlag struct {
	cores []int
	add   bool
}

func (f *coresFlag) String() string {
	s := make([]string, len(f.cores))
	for i, c := range f.cores {
		s[i] = strconv.Itoa(c)
		if f.add {
			s[i] = "+" + s[i]
		}
	}
	return strings.Join(s, ",")
}
func (f *coresFlag) Type() string { return "cores" }
func (f *coresFlag) Set(s string) error {
	var out coresFlag
	for i, field := range strings.Split(s, ",") {
		field = strings.TrimSpace(field)
		plus := strings.HasPrefix(field, "+")
		if i == 0 {
			out.add = plus
		} else if plus != out.add {
			return fmt.Errorf("drones %q: either a fleet (24,16,8) or drones to add (+16,+16), not both", s)
		}
		c, err := strconv.Atoi(strings.TrimPrefix(field, "+"))
		if err != nil || c < 1 || c > 4096 {
			return fmt.Errorf("drone cores %q: want a whole number from 1 to 4096, as in 24,16,14,8 or +16", field)
		}
		out.cores = append(out.cores, c)
	}
	*f = out
	return nil
}
