package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
)

// Options configure Run.
type Options struct {
	// Dir is the scratch folder on the disk to measure; Run works in a fresh
	// folder inside it and removes that when done. Empty means the current
	// folder.
	Dir string
	// Quick runs fewer and shorter rounds (well under a minute), still with
	// the 1M-event replay.
	Quick bool
	// Rounds overrides the number of interleaved rounds of every probe; 0
	// keeps the default for Quick or not.
	Rounds int
	// Logger receives per-round figures at debug level; nil discards.
	Logger *slog.Logger
	// Progress, when set, is called with one line as each probe starts.
	Progress func(string)
	// SwarmBinary is the swarm executable, for the status cold-start probe;
	// empty skips that probe.
	SwarmBinary string
	// Probes, when set, runs only these groups of probes (ProbeGroups);
	// empty runs them all.
	Probes []string

	sizes *sizes // tests shrink everything with this
}

// sizes is how much work each probe does. Each side of an append round runs
// for slice or up to its cap of calls, whichever comes first, so that a slow
// disk makes a round shorter, not the run longer.
type sizes struct {
	rounds       int           // interleaved rounds of the append probes
	slice        time.Duration // time per side per round of the append probes
	single       int           // cap on events per side per round, append_single
	groupPer     int           // cap on appends per goroutine, append_group_64
	bulkCalls    int           // cap on calls of bulkEvents, append_bulk_1000
	replayEvents int           // events in the replay log
	replayRounds int           // interleaved rounds of replay_1m
	statusRuns   int           // interleaved runs of status_cold_ms
	segmentBytes int64         // segment size of the replay log; 0 = the default

	httpRounds   int           // interleaved rounds of the orchestrator probes
	httpSlice    time.Duration // time per side per round of them
	httpCap      int           // cap on claims (or heartbeats) per side per round
	snapPackages int           // packages queued for snapshot_worst_ms
	snapRun      time.Duration // how long snapshot_worst_ms drives claims

	fleetDrones   int           // simulated drones of the fleet probe (0: not run)
	fleetPackages int           // packages queued for it
	fleetRun      time.Duration // how long they farm
	fleetPace     fleetPace     // how often they beat and how long they build
}

const (
	groupWriters = 64
	bulkEvents   = 1000
	mixDrones    = 16
	mixSeed      = 1
)

func defaultSizes(quick bool) sizes {
	if quick {
		return sizes{rounds: 7, slice: 120 * time.Millisecond, single: 5000, groupPer: 2000, bulkCalls: 1000,
			replayEvents: 1_000_000, replayRounds: 5, statusRuns: 7,
			httpRounds: 5, httpSlice: 400 * time.Millisecond, httpCap: 20_000, snapPackages: 50_000, snapRun: 2 * time.Second,
			fleetDrones: 1000, fleetPackages: 100_000, fleetRun: 20 * time.Second, fleetPace: realFleet}
	}
	return sizes{rounds: 11, slice: time.Second, single: 50_000, groupPer: 20_000, bulkCalls: 10_000,
		replayEvents: 1_000_000, replayRounds: 7, statusRuns: 15,
		httpRounds: 9, httpSlice: 1500 * time.Millisecond, httpCap: 60_000, snapPackages: 100_000, snapRun: 5 * time.Second,
		fleetDrones: 1000, fleetPackages: 100_000, fleetRun: time.Minute, fleetPace: realFleet}
}

// Report is everything one Run measured.
type Report struct {
	Env     Env      `json:"env"`
	Results []Result `json:"results"`
}

// Result is one probe's figure. Value and Raw are medians over the rounds;
// Ratio is the median of the per-round swarm/raw ratios (above 1: swarm is
// faster for rates, slower for times). CPURatio is that ratio in events per
// CPU-second of this process, steadier than Ratio when other work shares the
// cores (0: not measured).
type Result struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Ratio    float64 `json:"ratio"`
	CPURatio float64 `json:"cpu_ratio,omitempty"`
	Raw      float64 `json:"raw"`
	RawUnit  string  `json:"raw_unit,omitempty"`
	Goal     string  `json:"goal"` // e.g. ">= 0.8x raw"; "report" when there is none
	Pass     bool    `json:"pass"`
	Skipped  bool    `json:"skipped,omitempty"` // the probe could not run here (Pass is false)
	Rounds   int     `json:"rounds,omitempty"`
	Detail   string  `json:"detail,omitempty"`
}

// Failed returns the results that missed their goal (skipped ones are not
// failures).
func (r Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if !res.Pass && !res.Skipped {
			out = append(out, res)
		}
	}
	return out
}

// runner carries one Run's settings to the probes.
type runner struct {
	opts    Options
	sz      sizes
	log     *slog.Logger
	scratch string
	report  *Report

	looseLog string // append_single's log: single-event frames, never sealed
	farm     *farm  // replay_1m's log, reused by status_cold_ms and diskProbes
}

// Run measures the machine and swarm, probe after probe. A probe that fails
// is reported as a failed result and the others still run; the error is only
// for what stops the whole run (no scratch folder, a cancelled ctx).
func Run(ctx context.Context, opts Options) (Report, error) {
	r := &runner{opts: opts, log: opts.Logger, report: &Report{}}
	if err := checkProbes(opts.Probes); err != nil {
		return *r.report, fmt.Errorf("bench: %w", err)
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.sz = defaultSizes(opts.Quick)
	if opts.sizes != nil {
		r.sz = *opts.sizes
	}
	if opts.Rounds > 0 {
		r.sz.rounds, r.sz.replayRounds, r.sz.statusRuns, r.sz.httpRounds = opts.Rounds, opts.Rounds, opts.Rounds, opts.Rounds
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	r.report.Env = collectEnv(dir)
	scratch, err := os.MkdirTemp(dir, "swarm-bench-")
	if err != nil {
		return *r.report, fmt.Errorf("bench: scratch folder: %w", err)
	}
	defer os.RemoveAll(scratch)
	r.scratch = scratch
	err = r.all(ctx)
	return *r.report, err
}

// ProbeGroups names the groups of probes Options.Probes can pick, in the
// order a run takes them.
var ProbeGroups = []string{"append", "replay", "claims", "heartbeats", "snapshot", "fleet", "cluster"}

// quickSkips are the groups a --quick run leaves out unless asked for by
// name: the fleet alone takes a minute (setting up its queue, then 20 s), and
// the cluster forms three JetStream members first.
var quickSkips = []string{"fleet", "cluster"}

// ErrUnknownProbe is returned by Run for a name not in ProbeGroups.
var ErrUnknownProbe = errors.New("no such probe group")

// steps are the probes of each group, in order. replay's group holds the
// probes that measure its 1M-event log (status, the log's compression).
func (r *runner) steps() map[string][]func(context.Context) error {
	return map[string][]func(context.Context) error{
		"append":     {r.appendSingle, r.appendGroup, r.appendBulk},
		"replay":     {r.replay, r.status, r.diskProbes},
		"claims":     {r.claimsHTTP, r.claimsHTTPJetStream},
		"heartbeats": {r.heartbeatsHTTP},
		"snapshot":   {r.snapshotWorst},
		"fleet":      {r.fleet},
		"cluster":    {r.claimsHTTPCluster},
	}
}

// all runs the probes in order, or those of the groups asked for.
func (r *runner) all(ctx context.Context) error {
	groups := ProbeGroups
	if len(r.opts.Probes) > 0 {
		groups = r.opts.Probes
	} else if r.opts.Quick {
		groups = slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return slices.Contains(quickSkips, g) })
	}
	if r.sz.fleetDrones == 0 { // sizes too small to have a fleet
		groups = slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return g == "fleet" })
	}
	steps := r.steps()
	for _, g := range groups {
		for _, step := range steps[g] {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := step(ctx); err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	return ctx.Err()
}

// checkProbes refuses a name that is not a group.
func checkProbes(names []string) error {
	for _, n := range names {
		if !slices.Contains(ProbeGroups, n) {
			return fmt.Errorf("%w: %q (groups: %s)", ErrUnknownProbe, n, strings.Join(ProbeGroups, ", "))
		}
	}
	return nil
}

// progress tells the caller which probe runs now.
func (r *runner) progress(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	r.log.Info("bench", "probe", line)
	if r.opts.Progress != nil {
		r.opts.Progress(line)
	}
}

// add records results.
func (r *runner) add(res ...Result) { r.report.Results = append(r.report.Results, res...) }

// fail records that a probe could not measure, and returns err.
func (r *runner) fail(name, unit string, err error) error {
	r.add(Result{Name: name, Unit: unit, Goal: "runs", Detail: "error: " + err.Error()})
	r.log.Warn("bench probe failed", "probe", name, "err", err)
	return err
}
