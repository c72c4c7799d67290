package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/simgraph"
	"github.com/swarm-build/swarm/internal/world"
	"github.com/swarm-build/swarm/schedule"
)

// simulateOptions are the inputs of `swarm simulate`.
type simulateOptions struct {
	app       *app
	Graph     string    // md5-cache TSV (plain or gzipped) or md5-cache folder
	Durations string    // emerge.log (plain or gzipped)
	Drones    coresFlag // cores per drone
	World     int       // roots taken from the realistic set; 0: all of it
	JSON      bool
}

// defaultFleet is the fleet --drones describes unless told otherwise.
var defaultFleet = coresFlag{24, 16, 14, 8}

func newSimulateCmd(a *app, runF func(context.Context, *simulateOptions) error) *cobra.Command {
	opts := &simulateOptions{app: a, Drones: append(coresFlag(nil), defaultFleet...)}
	cmd := &cobra.Command{
		Use:   "simulate --graph FILE --durations EMERGE_LOG [--drones CORES,...] [--world N] [--json]",
		Short: "Run the scheduler over a real dependency graph on a simulated clock",
		Long: `Run swarm's dependency-aware scheduler over a real dependency graph and real
build times on a simulated clock, and compare it with what no schedule can
beat and with the naive dispatcher. Nothing is read from or written to a
state folder.

--graph is portage metadata: an md5-cache folder (metadata/md5-cache) or the
md5-cache TSV form (one ebuild per row, as in testdata/graph), plain or
gzipped. The packages to build are the closure of a realistic world: the
1,132 packages a real KDE desktop built or queued, plus the base system
(about 2,000 packages with the Macaroni snapshot in testdata/), amd64
keywords and default USE; roots the metadata lacks are skipped. --world N
takes N of those roots instead, spread evenly over their sorted list.

--durations is a portage emerge.log, plain or gzipped. Each package's
expected build time is the median of its recent builds there; a package the
log never built gets the median of its category's measured packages (when
it has 3 or more), else the median of all of them.

--drones lists the fleet's drones by cores. A drone builds one package at a
time with all its cores, and build times scale linearly with cores: the log's
times are taken as measured on an 8-core machine, so a 24-core drone builds
three times as fast. (That reference changes every time by the same factor,
and no ratio.)

The scheduler simulated is the orchestrator's own: the very deciders
'swarm serve' executes (fresh's critical-path priorities, then dispatch and
completion), folded into the farm's state on a simulated clock.

Printed for the critical-path scheduler (longest remaining chain first,
bigger drones first, long builds left to a bigger drone about to be free)
and for FIFO (emerge's merge order, any free drone; dependencies respected
by both):
  makespan      when the last build ends
  lower bound   max(critical path on the fastest drone, total work / cores)
  ratio         makespan / lower bound (1.00 is perfect)
  utilisation   busy core-time / (cores x makespan)

--json prints one object: packages, roots, drones (cores), cores,
makespan_s, lower_bound_s, critical_path_s, work_bound_s, ratio,
utilisation, fifo_makespan_s, fifo_ratio, fifo_utilisation, speedup
(FIFO's makespan over the scheduler's), measured, estimated.

Bad input — a file that is not what it should be — exits 1 naming the file
and line.`,
		Example: `  swarm simulate --graph md5cache.tsv.gz --durations /var/log/emerge.log
  swarm simulate --graph /var/db/repos/gentoo/metadata/md5-cache \
      --durations emerge.log.gz --drones 32,24,24,16,16,8,8,8 --json`,
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
	f.StringVar(&opts.Graph, "graph", "", "the md5-cache `FILE` (TSV, plain or gzipped) or folder")
	f.StringVar(&opts.Durations, "durations", "", "the `EMERGE_LOG` build times come from (plain or gzipped)")
	f.Var(&opts.Drones, "drones", "the fleet: cores of each drone, comma-separated")
	f.IntVar(&opts.World, "world", 0, "build the closure of `N` roots of the realistic world (default: all)")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	_ = cmd.MarkFlagFilename("durations")
	return cmd
}

// check finds the usage errors no flag parser can.
func (o *simulateOptions) check(cmd *cobra.Command) error {
	switch {
	case o.Graph == "":
		return usageErrorf(cmd, "--graph is required: the md5-cache TSV or folder to take the packages from")
	case o.Durations == "":
		return usageErrorf(cmd, "--durations is required: the emerge.log to take build times from")
	case o.World < 0:
		return usageErrorf(cmd, "--world %d: not negative (0: every root of the realistic world)", o.World)
	case o.World > len(world.RealisticRoots()):
		return usageErrorf(cmd, "--world %d: the realistic world has %d roots", o.World, len(world.RealisticRoots()))
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
}

func runSimulate(_ context.Context, o *simulateOptions) error {
	in, err := simgraph.Load(o.Graph, o.Durations, o.World)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	fleet := make([]schedule.Drone, len(o.Drones))
	for i, c := range o.Drones {
		fleet[i] = schedule.Drone{ID: fmt.Sprintf("drone%d", i+1), Cores: c}
	}
	// The scheduler measured is the orchestrator's own dispatch (the same
	// deciders swarm serve executes), on a simulated clock.
	cp, err := commands.SimulateDispatch(in.Jobs, fleet)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	bounds, err := schedule.LowerBound(in.Jobs, fleet)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	fifo, err := schedule.Simulate(in.Jobs, fleet, schedule.PolicyFIFO)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	rep := simulateReport{
		Packages: len(in.Jobs), Roots: in.Roots, Drones: o.Drones, RefCores: schedule.RefCores,
		MakespanS: seconds(cp.Makespan), LowerBoundS: seconds(bounds.Max()),
		CriticalPathS: seconds(bounds.CriticalPath), WorkBoundS: seconds(bounds.Work),
		Ratio: float64(cp.Makespan) / float64(max(bounds.Max(), 1)), Utilisation: cp.Utilisation,
		FIFOMakespanS: seconds(fifo.Makespan), FIFORatio: fifo.Ratio(), FIFOUtilisation: fifo.Utilisation,
		Measured: in.Measured, Estimated: len(in.Jobs) - in.Measured,
	}
	for _, c := range o.Drones {
		rep.Cores += c
	}
	rep.Speedup = 1
	if cp.Makespan > 0 {
		rep.Speedup = float64(fifo.Makespan) / float64(cp.Makespan)
	}
	if o.JSON {
		return writeJSON(o.app.out, rep)
	}
	printSimulation(o.app.out, rep, in)
	return nil
}

func printSimulation(w io.Writer, r simulateReport, in simgraph.Input) {
	fmt.Fprintf(w, "Graph:        %s from %s (%d by their own history, %d by their category's, %d by the overall median)\n",
		plural(r.Packages, "package", "packages"), plural(r.Roots, "root", "roots"), in.Measured, in.ByCategory, in.Overall)
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

// coresFlag is a comma-separated list of core counts, one per drone.
type coresFlag []int

func (f *coresFlag) String() string {
	s := make([]string, len(*f))
	for i, c := range *f {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ",")
}
func (f *coresFlag) Type() string { return "cores" }
func (f *coresFlag) Set(s string) error {
	var out coresFlag
	for field := range strings.SplitSeq(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || c < 1 || c > 4096 {
			return fmt.Errorf("drone cores %q: want a whole number from 1 to 4096, as in 24,16,14,8", field)
		}
		out = append(out, c)
	}
	*f = out
	return nil
}
