package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/projections"
	"github.com/swarm-build/swarm/remotes"
)

// deployOptions are the inputs of `swarm deploy`.
type deployOptions struct {
	app       *app
	Remotes   []string
	Force     bool
	DryRun    bool
	Parallel  int
	Wait      time.Duration
	Timeout   time.Duration
	AcceptNew bool
	JSON      bool
}

func newDeployCmd(a *app, runF func(context.Context, *deployOptions) error) *cobra.Command {
	o := &deployOptions{app: a}
	cmd := &cobra.Command{
		Use:   "deploy [REMOTE...]",
		Short: "Push this swarm release to the remotes over SFTP",
		Long: `Push this swarm binary and its VERSION to the remotes named (default: every
remote in config.toml). A remote whose VERSION differs from this release, or
is missing, empty or unreadable, is stale and gets the release; --force
pushes to up-to-date remotes too; --dry-run says what would happen and
changes nothing anywhere.

Per remote: the binary goes to a temporary name, is fsynced, given its mode
and read back to check its SHA-256; the running one is kept as swarm.prev;
the new one replaces it by posix-rename; VERSION is written last. Then the
remote's restart command runs there over SSH (it stops a drone as SIGTERM
does: the drone finishes its builds first) and deploy waits, up to --wait,
for the drone to register with the new release. If it does not, the host
gets swarm.prev back, is restarted on it and is reported rolled back.

Orchestrators go first; a drone is never given a release newer than its
orchestrator's. Host keys are checked against known_hosts: an unknown or
changed key is refused with the fix (--accept-new-host-key adds a key seen
for the first time). Every step is an event (deploy_started, deployed,
deploy_failed, rolled_back).

Progress goes to stderr; stdout has one line per remote: "NAME: updated",
"up to date", "would update (why)", "failed: reason" or "failed: rolled back
(reason)". Exit 1 if any remote failed; the others still finish.`,
		Example: `  swarm deploy --dry-run
  swarm deploy build-01 build-02
  swarm deploy --force --parallel 8`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Remotes = args
			if o.Parallel < 1 {
				return usageErrorf(cmd, "--parallel %d: must be at least 1", o.Parallel)
			}
			if o.Wait <= 0 || o.Timeout <= 0 {
				return usageErrorf(cmd, "--wait and --timeout must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runDeploy(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Force, "force", false, "push to remotes that are up to date too")
	f.BoolVar(&o.DryRun, "dry-run", false, "say what would be pushed; change nothing")
	f.IntVar(&o.Parallel, "parallel", 4, "remotes deployed at once, `N`")
	f.DurationVar(&o.Wait, "wait", 2*time.Minute, "how long a restarted drone has to register with the release")
	f.DurationVar(&o.Timeout, "timeout", 2*time.Minute, "the longest any one SSH operation may stall (a dial: at most 15s)")
	f.BoolVar(&o.AcceptNew, "accept-new-host-key", false, "add a host key known_hosts has never seen (never a changed one)")
	f.BoolVar(&o.JSON, "json", false, "print the results as JSON: [{remote, outcome, reason}]")
	return cmd
}

func runDeploy(ctx context.Context, o *deployOptions) error {
	dir, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	targets, err := selectRemotes(cfg, o.Remotes)
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("deploy: finding this binary: %w", err)
	}
	rel, err := remotes.NewRelease(version, bin)
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	w := &deployWatch{app: o.app}
	defer w.close()
	d := &remotes.Deployer{Release: rel, Force: o.Force, DryRun: o.DryRun, Parallel: o.Parallel, Wait: o.Wait,
		Dial: remotes.DialOptions{AcceptNew: o.AcceptNew, OpTimeout: o.Timeout,
			DialTimeout: min(o.Timeout, 15*time.Second)},
		Check:    skewCheck(dir, rel.Version),
		WaitUp:   w.waitUp,
		Record:   o.app.recordEvent,
		Progress: progressLine(o.app),
	}
	results := d.Run(ctx, targets)
	return printDeploy(o, results)
}

// selectRemotes returns the remotes named (every remote when none is),
// refusing an unknown name before anything is done.
func selectRemotes(cfg config.Config, names []string) ([]remotes.Remote, error) {
	if len(names) == 0 {
		for name := range cfg.Remotes {
			names = append(names, name)
		}
		slices.Sort(names)
		if len(names) == 0 {
			return nil, fmt.Errorf("no remotes: add one with 'swarm remote add NAME sftp://user@host/path'")
		}
	}
	var out []remotes.Remote
	for _, name := range slices.Compact(slices.Clone(names)) {
		rc, ok := cfg.Remotes[name]
		if !ok {
			return nil, fmt.Errorf("no remote %q (see swarm remote list)", name)
		}
		r, err := remotes.FromConfig(name, rc)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// skewCheck keeps a drone from a release newer than its orchestrator's,
// the one answering on this state folder (asked per drone, so one that
// this deploy restarted first answers with its new release).
func skewCheck(dir, release string) func(remotes.Remote) error {
	return func(r remotes.Remote) error {
		if r.Role != config.RoleDrone {
			return nil
		}
		orch := ""
		if sc := serverState(dir); sc != nil {
			orch = sc.Version
		}
		if orch == "" {
			return nil
		}
		return commands.CheckDroneRelease(release, orch)
	}
}

// recordEvent appends e as the operator's, opening the log only for it,
// so a long deploy does not hold the log open.
func (a *app) recordEvent(ctx context.Context, e events.Event) error {
	store, err := a.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	e.Actor = commands.ActorOperator
	_, err = store.Execute(ctx, func(*projections.State) ([]events.Event, error) {
		return []events.Event{e}, nil
	})
	return err
}

// deployWatch reads the event log for drones' registrations.
type deployWatch struct {
	app   *app
	mu    sync.Mutex
	store *commands.Store
}

// waitUp returns once the drone named like r registered with version
// after since and is online.
func (w *deployWatch) waitUp(ctx context.Context, r remotes.Remote, version string, since time.Time) error {
	for {
		st, err := w.load(ctx)
		if err != nil {
			return err
		}
		for d := range st.Drones() {
			if d.ID == r.Name && d.Online && d.Version == version && !d.Registered.Before(since.Truncate(time.Millisecond)) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (w *deployWatch) load(ctx context.Context) (*projections.State, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.store == nil {
		s, err := w.app.openStore(true)
		if err != nil {
			return nil, err
		}
		w.store = s
	}
	return w.store.Load(ctx)
}

func (w *deployWatch) close() {
	if w.store != nil {
		w.store.Close()
	}
}

// progressLine prints a deploy's steps to stderr, one line each.
func progressLine(a *app) func(remote, step string) {
	var mu sync.Mutex
	return func(remote, step string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(a.errOut, termsafe.Line(remote+": "+step))
	}
}

// deployJSON is one remote in `deploy --json`.
type deployJSON struct {
	Remote  string `json:"remote"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
}

func printDeploy(o *deployOptions, results []remotes.Result) error {
	failed := 0
	list := make([]deployJSON, 0, len(results))
	for _, r := range results {
		if !r.OK() {
			failed++
		}
		list = append(list, deployJSON{r.Remote, string(r.Outcome), r.Reason})
	}
	if o.JSON {
		if err := json.NewEncoder(o.app.out).Encode(list); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			fmt.Fprintln(o.app.out, termsafe.Line(r.Remote+": "+r.String()))
		}
	}
	if failed > 0 {
		return fmt.Errorf("deploy: %d of %d remotes failed", failed, len(results))
	}
	return nil
}
