package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/buildlog"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/orchestrator"
	"github.com/swarm-build/swarm/projections"
)

// statusOptions are the inputs of `swarm status`.
type statusOptions struct {
	app  *app
	JSON bool
}

func newStatusCmd(a *app, runF func(context.Context, *statusOptions) error) *cobra.Command {
	opts := &statusOptions{app: a}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the farm at a glance",
		Long: `Show the farm at a glance: the portage tree the queue was computed against
(once a sync ran), the world, binary availability, the queue by state with
the build rate over the last hour, the drones, whether dispatching is
paused, an ETA for what is left (the scheduler's bound with learned build
times and the drones able to work), the failed packages by name, and
whether an orchestrator runs on this folder: when none does, the drone
figures are what the log last said. When one runs (and answers on
loopback), the report is the one it computes from the farm it holds in
memory, which is faster on a big queue than reading the folder again.

It also says what is wrong: drones on another portage tree than the queue's
(they get no work), drones whose portage settings differ from config.toml's
[portage] (Drift, naming each setting; they get no work), a queue older than farm.stale_after, packages no drone
can build, packages that keep stalling (Stalls), and packages held blocked
because their build could not even start (Held, with how to release them),
and packages built more than a minute ago whose binary package is not in
the binhost's index (Binhost). Logs is the build logs kept (how many,
their compressed size; log.build_logs_max_total bounds it). Binary counts the packages of the current
plan (the queue, plus those the last fresh found already binary) that have
a promoted build in the index.

--json prints the status object: seq, sync, world, binary, queue,
rate_per_hour, drones and paused (null unless paused), plus stale_drones,
queue_stale, stuck, stalling, held and unpromoted ([{"atom", "state",
"stalls", "reason"}]) and drifting ([{"id", "fingerprint", "differs":
[{"setting", "drone", "farm"}]}]) when they apply, build_logs ({"logs",
"bytes"}) when the logs folder can be read, server (url, pid, ok, error,
and role and leader when it is one of several orchestrators on a
replicated log) when a server runs on the folder, eta ({"remaining", "measured", "drones", "seconds",
"at"}) and failed_packages ([{"atom", "reason", "drones"}]) when they apply. A server that cannot write its event log (the disk
full) acknowledges nothing until it can; status says so. One of several
orchestrators on a replicated log says whether it leads, and a follower
names the leader: only the leader hands out work.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runStatus(ctx context.Context, o *statusOptions) error {
	r, err := o.report(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	if o.JSON {
		return writeJSON(o.app.out, r)
	}
	p := palette{o.app.colour(o.app.out)}
	w := o.app.out
	printStatusLogs(w, r.Status, r.BuildLogs, now, p)
	printDrift(w, r.Drifting, p)
	printStale(w, r.StaleReleases, p)
	if r.ETA != nil {
		fmt.Fprintf(w, "%-9s%s\n", "ETA:", etaLine(*r.ETA, now))
	}
	if len(r.Failed) > 0 {
		fmt.Fprintf(w, "%-9s%s\n", "Failed:", p.red(failedLine(r.Failed)))
	}
	printServer(w, r.Server, r.Status, now, p)
	return nil
}

// report is the farm's status: from the orchestrator running on the
// folder when one answers, as its /v1/status gives the very report this
// would compute, from the State it holds in memory (a new process decodes
// the State from a snapshot and the log first: hundreds of milliseconds on
// a 100,000-package queue, issue 10), else folded from the folder.
func (o *statusOptions) report(ctx context.Context) (commands.Report, error) {
	dir, _ := o.app.stateDir()
	if dir != "" {
		if r, ok := serverStatus(ctx, dir); ok {
			return r, nil
		}
	}
	st, err := o.app.currentState(ctx)
	if err != nil {
		return commands.Report{}, err
	}
	// A config.toml that does not load is left to the verbs that need it:
	// status must still show the farm, judged by the defaults.
	dir, cfg, err := o.app.stateConfig()
	if err != nil {
		o.app.log().Warn("config.toml does not load; judging staleness by the defaults", "err", err)
		cfg = config.Default()
	}
	r := commands.StatusReport(st, viewRules(dir, cfg), cfg, time.Now())
	if dir != "" {
		r.Server = serverState(dir)
		r.BuildLogs = o.app.buildLogUsage(dir)
	}
	return r, nil
}

// buildLogUsage counts the build logs kept in the state folder dir; nil
// (with a warning) when they cannot be counted.
func (a *app) buildLogUsage(dir string) *buildlog.Usage {
	u, err := buildlog.New(filepath.Join(dir, orchestrator.LogsDir), buildlog.Limits{}).Usage()
	if err != nil {
		a.log().Warn("cannot count the build logs", "err", err)
		return nil
	}
	return &u
}

// printServer says whether an orchestrator runs on the folder, and so how
// to read the drone figures: without one, they are what the log last said.
func printServer(w io.Writer, srv *commands.ServerCondition, s projections.Status, now time.Time, p palette) {
	switch {
	case srv == nil:
		fmt.Fprintf(w, "%-9s%s\n", "Server:", p.yellow("not running on this folder: the drone figures are as of the last event ("+
			ago(s.Time, now)+"); start it with 'swarm serve'"))
	case !srv.OK:
		fmt.Fprintf(w, "%-9s%s\n", "Server:", p.red(fmt.Sprintf("%s (pid %d, %s)", orDash(srv.Error), srv.PID, srv.URL)))
	default:
		fmt.Fprintf(w, "%-9s%s\n", "Server:", fmt.Sprintf("running at %s (pid %d)", srv.URL, srv.PID)+roleLine(srv, p))
		printCluster(w, srv, p)
	}
}

// printCluster lists the members of a replicated log under the server
// line: "Cluster: a leads; b current; c 12 behind" (nothing for a lone
// server), and in red why the leader could not be asked.
func printCluster(w io.Writer, srv *commands.ServerCondition, p palette) {
	ci := srv.Cluster
	if ci == nil {
		return
	}
	var parts []string
	for _, m := range ci.Members {
		name := termsafe.Line(m.Name)
		switch {
		case m.Leader:
			parts = append(parts, name+" leads")
		case m.Offline:
			parts = append(parts, p.red(name+" offline"))
		case m.Current:
			parts = append(parts, name+" current")
		default:
			parts = append(parts, p.yellow(fmt.Sprintf("%s %d behind", name, m.Lag)))
		}
	}
	line := strings.Join(parts, "; ")
	if srv.ClusterError != "" {
		line += p.red(" (" + termsafe.Line(srv.ClusterError) + ")")
	}
	fmt.Fprintf(w, "%-9s%s\n", "Cluster:", line)
}

// roleLine says, of a server that is one of several on a replicated log,
// whether it leads and otherwise who does ("" for a lone server).
func roleLine(srv *commands.ServerCondition, p palette) string {
	switch {
	case srv.Role == api.RoleLeader:
		return ", leading the farm"
	case srv.Role != api.RoleFollower:
		return ""
	case srv.Leader == "":
		return p.yellow(", following: no leader yet, so no work is handed out")
	}
	return ", following the leader at " + termsafe.Line(srv.Leader)
}

// etaLine: "2h05m, about 14:32 (300 packages on 4 drones; 250 with learned times)".
func etaLine(e commands.ETA, now time.Time) string {
	return fmt.Sprintf("%s, about %s (%s on %s; %d with learned build times)", clock(e.Seconds),
		shortTime(e.At), plural(e.Remaining, "package", "packages"), plural(e.Drones, "drone", "drones"), e.Measured)
}

// failedLine names the failed packages, the first few with their reason.
func failedLine(fs []commands.FailedPackage) string {
	const shown = 3
	var parts []string
	for i, f := range fs {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more ('swarm queue --state failed')", len(fs)-shown))
			break
		}
		parts = append(parts, termsafe.Line(f.Atom+" ("+orDash(f.Reason)+")"))
	}
	return strings.Join(parts, ", ")
}

// printStatus prints the human summary of s; now is the time "ago" is
// measured from.
func printStatus(w io.Writer, s projections.Status, now time.Time, p palette) {
	printStatusLogs(w, s, nil, now, p)
}

// printStatusLogs is printStatus with the build logs kept (nil: unknown,
// as when replaying the log).
func printStatusLogs(w io.Writer, s projections.Status, logs *buildlog.Usage, now time.Time, p palette) {
	line := func(label, text string) { fmt.Fprintf(w, "%-9s%s\n", label+":", text) }
	if s.Sync.Time != nil || s.Sync.Tree != "" {
		line("Sync", syncLine(s, now))
	}
	line("World", plural(int(s.World), "package", "packages"))
	line("Binary", binaryLine(s.Binary))
	if u := s.Binhost; u.Builds+u.Pruned > 0 {
		line("Binhost", fmt.Sprintf("%s, %d MiB kept; %s pruned (%d MiB)", plural(u.Builds, "build", "builds"),
			u.Bytes>>20, groupDigits(uint64(u.Pruned)), u.PrunedBytes>>20))
	}
	if logs != nil && logs.Logs > 0 {
		line("Logs", fmt.Sprintf("%s, %s kept", plural(logs.Logs, "build log", "build logs"), byteSize(logs.Bytes)))
	}
	line("Queue", queueLine(s, p))
	line("Swarm", swarmLine(s.Drones, p))
	if s.Paused != nil {
		line("Paused", p.red(fmt.Sprintf("since %s (%s): %s",
			shortTime(s.Paused.Since), ago(s.Paused.Since, now), orDash(s.Paused.Reason))))
	}
	if len(s.StaleDrones) > 0 {
		var ds []string
		for _, d := range s.StaleDrones {
			ds = append(ds, fmt.Sprintf("%s (tree %s)", d.ID, d.Tree))
		}
		line("Stale", p.yellow(fmt.Sprintf("%s on another tree than the queue's (%s): they get no work; "+
			"sync them (emerge --sync) or run 'swarm fresh'", strings.Join(ds, ", "), s.Sync.Tree)))
	}
	if s.QueueStale != "" {
		line("Stale", p.yellow(s.QueueStale))
	}
	if s.FreshOverdue != "" {
		line("Fresh", p.red(s.FreshOverdue))
	}
	if s.Stuck != "" {
		line("Stuck", p.red(s.Stuck))
	}
	for _, n := range s.Stalling {
		line("Stalls", p.yellow(fmt.Sprintf("%s (%s): %s", n.Atom, n.State, n.Reason)))
	}
	for _, n := range s.Held {
		line("Held", p.red(fmt.Sprintf("%s: %s", n.Atom, n.Reason)))
	}
	for _, n := range s.Unpromoted {
		line("Binhost", p.red(termsafe.Line(fmt.Sprintf("%s not promoted: %s", n.Atom, n.Reason))))
	}
	if s.Seq == 0 {
		line("Log", "empty")
	} else {
		line("Log", fmt.Sprintf("%s events, last %s (%s)", groupDigits(s.Seq), shortTime(s.Time), ago(s.Time, now)))
	}
}

// byteSize is n in MiB, or in KiB (rounded up) below one MiB, so a few
// small logs do not read as "0 MiB".
func byteSize(n int64) string {
	if n >= 1<<20 {
		return groupDigits(uint64(n>>20)) + " MiB"
	}
	return groupDigits(uint64((n+1023)>>10)) + " KiB"
}

func syncLine(s projections.Status, now time.Time) string {
	if s.Sync.Time == nil {
		return "never (run 'swarm fresh')"
	}
	t := *s.Sync.Time
	out := fmt.Sprintf("%s (%s)", shortTime(t), ago(t, now))
	if s.Sync.Tree != "" {
		out += "  tree " + termsafe.Line(s.Sync.Tree)
	}
	return out
}

func binaryLine(b projections.Binary) string {
	if b.Total == 0 {
		return fmt.Sprintf("%s available (no world yet)", groupDigits(b.Available))
	}
	return fmt.Sprintf("%s available (%s/%s)", percent(b.Available, b.Total), groupDigits(b.Available), groupDigits(b.Total))
}

func queueLine(s projections.Status, p palette) string {
	q := s.Queue
	parts := []string{
		fmt.Sprintf("%s needed", groupDigits(uint64(q.Needed))),
		fmt.Sprintf("%s building", groupDigits(uint64(q.Building))),
		p.green(fmt.Sprintf("%s built", groupDigits(uint64(q.Built)))),
		fmt.Sprintf("%s failed", groupDigits(uint64(q.Failed))),
		fmt.Sprintf("%s excluded", groupDigits(uint64(q.Excluded))),
	}
	if q.Failed > 0 {
		parts[3] = p.red(parts[3])
	}
	if q.Blocked > 0 {
		parts = append(parts, fmt.Sprintf("%s blocked", groupDigits(uint64(q.Blocked))))
	}
	return strings.Join(parts, " · ") + "   " + trimFloat(s.RatePerHour) + "/hr"
}

func swarmLine(d projections.DroneCounts, p palette) string {
	parts := []string{fmt.Sprintf("%d/%d drones online", d.Online, d.Total)}
	if d.Grounded > 0 {
		parts = append(parts, p.yellow(fmt.Sprintf("%d grounded", d.Grounded)))
	}
	parts = append(parts, plural(d.Building, "package", "packages")+" building")
	return strings.Join(parts, " · ")
}
