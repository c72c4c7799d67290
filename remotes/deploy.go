package remotes

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
)

// Outcome is the one word a deploy reports for a remote.
type Outcome string

// The outcomes. RolledBack and Failed are failures (exit 1).
const (
	Updated     Outcome = "updated"
	UpToDate    Outcome = "up to date"
	WouldUpdate Outcome = "would update" // --dry-run: stale, left as it is
	RolledBack  Outcome = "rolled back"
	Failed      Outcome = "failed"
)

// Result is what happened to one remote.
type Result struct {
	Remote  string
	Outcome Outcome
	Reason  string // why it failed, was rolled back, or is stale
}

// OK says whether the remote did not fail.
func (r Result) OK() bool { return r.Outcome != Failed && r.Outcome != RolledBack }

// String is the summary line's verdict: "updated", "up to date",
// "failed: reason", "failed: rolled back (reason)".
func (r Result) String() string {
	switch r.Outcome {
	case Failed:
		return "failed: " + r.Reason
	case RolledBack:
		return "failed: rolled back (" + r.Reason + ")"
	case WouldUpdate:
		return "would update (" + r.Reason + ")"
	}
	return string(r.Outcome)
}

// Deployer pushes a Release to remotes.
type Deployer struct {
	Release  Release
	Dial     DialOptions
	Force    bool          // push to remotes that are up to date too
	DryRun   bool          // connect and judge, change nothing
	Parallel int           // remotes at once; <= 0 means 1
	Wait     time.Duration // for a restarted drone to register with the release
	// Check refuses a remote before anything is written, with the reason
	// (a drone must not run a release newer than its orchestrator's); nil
	// refuses none. It is called after every orchestrator was deployed.
	Check func(Remote) error
	// WaitUp returns once the drone r registered with version after
	// since, or ctx's error. nil: restarted hosts are not waited for.
	WaitUp func(ctx context.Context, r Remote, version string, since time.Time) error
	// Record appends an event; a deploy that cannot record a step stops.
	Record func(ctx context.Context, e events.Event) error
	// Progress reports a step on a remote, for the progress lines.
	Progress func(remote, step string)
}

// Run deploys to every remote, orchestrators first, and returns a result
// per remote in the order given. A failure on one remote does not stop
// the others.
func (d *Deployer) Run(ctx context.Context, remotes []Remote) []Result {
	results := make([]Result, len(remotes))
	var first, rest []int
	for i, r := range remotes {
		if r.Role == config.RoleOrchestrator {
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	d.runAll(ctx, remotes, first, results)
	d.runAll(ctx, remotes, rest, results)
	return results
}

// runAll deploys the remotes at idx, Parallel at a time.
func (d *Deployer) runAll(ctx context.Context, remotes []Remote, idx []int, results []Result) {
	sem := make(chan struct{}, max(d.Parallel, 1))
	var wg sync.WaitGroup
	for _, i := range idx {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = d.one(ctx, remotes[i])
		}()
	}
	wg.Wait()
}

// one deploys to r and records how it ended.
func (d *Deployer) one(ctx context.Context, r Remote) Result {
	d.progress(r, "connecting to "+r.Addr())
	c, err := Dial(ctx, r, d.Dial)
	if err != nil {
		return d.fail(ctx, r, oneLine(err))
	}
	defer c.Close()
	prev, why := c.ReadVersion(ctx)
	switch {
	case why != "":
		why = "VERSION " + why
	case prev != d.Release.Version:
		why = "VERSION says " + prev
	case !d.Force:
		return Result{Remote: r.Name, Outcome: UpToDate}
	default:
		why = "forced"
	}
	if d.Check != nil {
		if err := d.Check(r); err != nil {
			return d.fail(ctx, r, oneLine(err))
		}
	}
	if d.DryRun {
		return Result{Remote: r.Name, Outcome: WouldUpdate, Reason: why}
	}
	if err := d.record(ctx, events.TypeDeployStarted, r, why); err != nil {
		return Result{Remote: r.Name, Outcome: Failed, Reason: oneLine(err)}
	}
	if err := d.install(ctx, c, r, why); err != nil {
		return d.fail(ctx, r, oneLine(err))
	}
	if r.Restart != "" {
		if reason := d.restart(ctx, c, r, d.Release.Version); reason != "" {
			return d.rollBack(ctx, c, r, prev, reason)
		}
	}
	if err := d.record(ctx, events.TypeDeployed, r, why); err != nil {
		return Result{Remote: r.Name, Outcome: Failed, Reason: oneLine(err)}
	}
	return Result{Remote: r.Name, Outcome: Updated}
}

// install uploads the binary, keeps the running one as swarm.prev, puts
// the new one in place and writes VERSION last.
func (d *Deployer) install(ctx context.Context, c *Conn, r Remote, why string) error {
	d.progress(r, "uploading "+d.Release.Version+" ("+why+")")
	f, err := os.Open(d.Release.Binary)
	if err != nil {
		return fmt.Errorf("the release binary: %w", err)
	}
	defer f.Close()
	if err := c.RemoveLeftovers(ctx); err != nil {
		return err
	}
	if err := c.KeepPrevious(ctx); err != nil {
		return err
	}
	if err := c.Put(ctx, "swarm", f, 0o755, d.Release.SHA256); err != nil {
		return err
	}
	for _, name := range r.Files {
		if err := putLocal(ctx, c, name); err != nil {
			return err
		}
	}
	body, sum := versionFile(d.Release.Version)
	return c.Put(ctx, "VERSION", strings.NewReader(body), 0o644, sum)
}

// restart runs r's restart command and waits for a drone to come up with
// version ("": waits for nothing); it returns why it did not, or "".
func (d *Deployer) restart(ctx context.Context, c *Conn, r Remote, version string) string {
	d.progress(r, "restarting: "+r.Restart)
	since := time.Now()
	if out, err := c.Run(ctx, r.Restart); err != nil {
		return "restart: " + oneLine(err) + lastLine(out)
	}
	if d.WaitUp == nil || r.Role != config.RoleDrone || version == "" {
		return ""
	}
	d.progress(r, "waiting for it to register with "+version)
	wctx, cancel := context.WithTimeout(ctx, d.Wait)
	defer cancel()
	if err := d.WaitUp(wctx, r, version, since); err != nil {
		return fmt.Sprintf("no registration with %s within %v", version, d.Wait)
	}
	return ""
}

// rollBack puts swarm.prev and the previous VERSION back, restarts the
// host on them and records it.
func (d *Deployer) rollBack(ctx context.Context, c *Conn, r Remote, prev, reason string) Result {
	d.progress(r, "rolling back: "+reason)
	if !c.HasPrevious(ctx) {
		return d.fail(ctx, r, reason+"; no swarm.prev to roll back to")
	}
	err := c.RestorePrevious(ctx)
	if err == nil && prev != "" {
		body, sum := versionFile(prev)
		err = c.Put(ctx, "VERSION", strings.NewReader(body), 0o644, sum)
	} else if err == nil {
		err = c.RemoveVersion(ctx) // the previous release is unknown: stale
	}
	if err != nil {
		return d.fail(ctx, r, reason+"; rolling back: "+oneLine(err))
	}
	if again := d.restart(ctx, c, r, prev); again != "" {
		return d.fail(ctx, r, reason+"; after rolling back: "+again)
	}
	if err := d.record(ctx, events.TypeRolledBack, r, reason); err != nil {
		return Result{Remote: r.Name, Outcome: Failed, Reason: oneLine(err)}
	}
	return Result{Remote: r.Name, Outcome: RolledBack, Reason: reason}
}

// fail records deploy_failed for r and returns its result.
func (d *Deployer) fail(ctx context.Context, r Remote, reason string) Result {
	if !d.DryRun {
		if err := d.record(ctx, events.TypeDeployFailed, r, reason); err != nil {
			reason += "; " + oneLine(err)
		}
	}
	return Result{Remote: r.Name, Outcome: Failed, Reason: reason}
}

func (d *Deployer) record(ctx context.Context, t events.Type, r Remote, reason string) error {
	if d.Record == nil {
		return nil
	}
	e := events.Event{Type: t, Remote: r.Name, Version: d.Release.Version, Reason: reason}
	if err := d.Record(ctx, e); err != nil {
		return fmt.Errorf("recording %s: %w", t, err)
	}
	return nil
}

func (d *Deployer) progress(r Remote, step string) {
	if d.Progress != nil {
		d.Progress(r.Name, step)
	}
}

// oneLine is err's message on one line, for a summary.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// lastLine is ": " and the last line of a command's output, if any.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return ": " + l
	}
	return ""
}
