package drone

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/portage"
)

// heldKey names one claim: a package under one fencing token.
type heldKey struct {
	atom  string
	fence uint64
}

// stopKind is why the agent ended a build itself.
type stopKind int

const (
	stopNone   stopKind = iota
	stopDrop            // the claim is no longer ours: kill, forget, never report
	stopReturn          // give the package back unbuilt, with a reason
)

// build is one package the drone holds, from its claim until the
// orchestrator has recorded how it ended. Fields after key are guarded by
// Agent.mu.
type build struct {
	claim    api.Claim
	key      heldKey
	logPath  string
	pkgDir   string // its PKGDIR: the packages it makes, removed once reported
	buildLog string // portage's build.log of it, watched for progress
	started  time.Time
	ctx      context.Context    // ends when the claim is dropped: stops its report
	cancel   context.CancelFunc //

	renewed  time.Time // last lease renewal: the claim, then each heartbeat listing it
	running  bool      // the command may still run (or is yet to start)
	proc     *process  // set once started
	stop     stopKind
	why      string // the reason of a stop
	meter    meter  // its progress (progress.go)
	progress uint64 // the meter's last reading
}

// hold takes a new claim: it starts building it, or, when refuse is not
// empty, gives it straight back with that reason (a claim that arrived as
// the drone began draining or stopped being healthy).
func (a *Agent) hold(c api.Claim, refuse string) {
	ctx, cancel := context.WithCancel(context.Background())
	now := time.Now()
	b := &build{
		claim: c, key: heldKey{c.Atom, c.Fence}, started: now, renewed: now,
		logPath:  filepath.Join(a.cfg.LogDir, logName(c.Atom, c.Fence)),
		pkgDir:   filepath.Join(a.cfg.LogDir, pkgDirName(c.Atom, c.Fence)),
		buildLog: portageBuildLog(a.cfg.PortageTmpdir, c.Atom),
		ctx:      ctx, cancel: cancel, running: refuse == "",
	}
	if refuse != "" {
		b.stop, b.why = stopReturn, refuse
	}
	a.mu.Lock()
	a.held[b.key] = b
	a.mu.Unlock()
	a.builds.Go(func() { a.runBuild(b) })
}

// runBuild builds one claim and reports how it ended, or returns or forgets
// it when the agent stopped it.
func (a *Agent) runBuild(b *build) {
	defer a.release(b)
	defer a.removePkgDir(b)
	var st exitStatus
	var err error
	ran := b.running // false: refused at the claim, never to run
	if ran {
		st, err = a.execute(b)
	}
	a.mu.Lock()
	b.running = false
	kind, why := b.stop, b.why
	a.mu.Unlock()
	switch {
	case kind == stopDrop:
		a.log.Info("build dropped", "atom", b.claim.Atom, "fence", b.claim.Fence, "reason", why)
		return
	case kind == stopReturn && (!ran || err != nil || st.Code != 0): // a build that succeeded anyway is reported
		a.deliver(b, "return", func(ctx context.Context) error {
			_, err := a.client.Return(ctx, api.ReturnRequest{Atom: b.claim.Atom, Fence: b.claim.Fence, Reason: a.secrets.String(why)})
			return err
		})
		return
	case err != nil: // it never ran: the orchestrator judges whose problem that is
		a.reportFailure(b, api.FailRequest{Signature: "start-failed", Reason: err.Error(), Excerpt: err.Error(),
			Start: startCause(err)}, Failed)
		return
	}
	a.reportExit(b, st)
}

// execute runs the build command for b and waits for it. The error is
// one that kept it from starting.
func (a *Agent) execute(b *build) (exitStatus, error) {
	a.mu.Lock()
	template := a.settings.Command
	a.mu.Unlock()
	atom := b.claim.Atom
	argv, err := ExpandCommand(template, atom)
	if err != nil {
		return exitStatus{}, fmt.Errorf("start build %s: %w", atom, err)
	}
	f, err := openLog(a.cfg.LogDir, atom, b.claim.Fence)
	if err != nil {
		return exitStatus{}, fmt.Errorf("start build %s: %w", atom, err)
	}
	defer f.Close()
	fmt.Fprintf(f, "swarm: drone %s building %s (fence %d, attempt %d): %q\n",
		a.cfg.ID, atom, b.claim.Fence, b.claim.Attempt, argv)
	if err := freshDir(b.pkgDir); err != nil {
		fmt.Fprintf(f, "swarm: cannot make the build's PKGDIR: %v\n", err)
		return exitStatus{}, fmt.Errorf("start build %s: %w", atom, err)
	}
	p, err := startProcess(argv, a.buildEnv(b), f)
	if err != nil {
		fmt.Fprintf(f, "swarm: cannot start the build command: %v\n", err)
		return exitStatus{}, fmt.Errorf("start build %s: %w", atom, err)
	}
	a.mu.Lock()
	b.proc = p
	stopped := b.stop != stopNone
	a.mu.Unlock()
	if stopped { // stopped while it was starting
		p.kill()
	}
	a.log.Info("building", "atom", atom, "fence", b.claim.Fence, "attempt", b.claim.Attempt, "log", b.logPath)
	st := p.wait()
	fmt.Fprintf(f, "swarm: build command %s\n", st)
	return st, nil
}

// buildEnv is the build command's environment: the drone's own without its
// secrets (buildEnviron), plus what a build script may want without parsing
// its arguments, plus what makes emerge's output the farm's: PKGDIR, the
// build's own package folder (so every file in it is this build's, and
// BUILD_ID numbering starts afresh), and PORTAGE_BINHOST, the farm's
// binhost, from which --getbinpkg fetches dependencies instead of building
// them. (A drone whose portage has a binrepos.conf section for the farm
// may leave PORTAGE_BINHOST unused; portage reads both.)
func (a *Agent) buildEnv(b *build) []string {
	return append(buildEnviron(os.Environ(), a.secrets),
		"SWARM_DRONE="+a.cfg.ID,
		"SWARM_ATOM="+b.claim.Atom,
		"SWARM_FENCE="+strconv.FormatUint(b.claim.Fence, 10),
		"SWARM_ATTEMPT="+strconv.FormatUint(uint64(b.claim.Attempt), 10),
		"SWARM_BUILD_LOG="+b.logPath,
		"PKGDIR="+b.pkgDir,
		"PORTAGE_BINHOST="+a.binhostURL(),
	)
}

// startCause names why a build could not start, for api.FailRequest.Start.
func startCause(err error) string {
	switch {
	case errors.Is(err, syscall.ENAMETOOLONG):
		return "name-too-long"
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist), errors.Is(err, ErrBadCommand):
		return "not-found"
	case errors.Is(err, fs.ErrPermission):
		return "permission-denied"
	}
	return "other"
}

// reportExit reports a build that ran to its end: complete on exit 0,
// otherwise failed with a signature from its log tail.
func (a *Agent) reportExit(b *build, st exitStatus) {
	if st.Code == 0 {
		req, ok := a.uploadPackages(b)
		if !ok {
			return
		}
		a.sendLog(b)
		a.ended(b, Succeeded)
		a.deliver(b, "complete", func(ctx context.Context) error {
			_, err := a.client.Complete(ctx, req)
			return err
		})
		return
	}
	tail, err := readTail(b.logPath, signatureTailBytes)
	if err != nil {
		a.log.Warn("cannot read the failed build's log", "atom", b.claim.Atom, "err", err)
	}
	tail = a.secrets.Bytes(tail) // before the excerpt is cut, so no piece of a secret is left at its edge
	sig := portage.FailureSignature(tail)
	outcome := Failed
	if st.Code < 0 || sig == portage.SigOOM {
		outcome = Crashed
	}
	var reason string
	switch {
	case st.Code >= 0:
		reason = fmt.Sprintf("%s %s", a.commandName(), st)
		if sig == "" {
			sig = fmt.Sprintf("exit-%d", st.Code)
		}
	default:
		reason = st.String()
		if sig == "" {
			sig = "signal-" + signalName(st)
		}
	}
	a.reportFailure(b, api.FailRequest{Signature: sig, Reason: reason, Excerpt: excerpt(tail)}, outcome)
}

// reportFailure counts the outcome for the drone's health and reports the
// failure, with the drone's secrets redacted from its text.
func (a *Agent) reportFailure(b *build, req api.FailRequest, o Outcome) {
	req.Atom, req.Fence = b.claim.Atom, b.claim.Fence
	a.sendLog(b)
	req.Signature, req.Reason, req.Excerpt = a.secrets.String(req.Signature), a.secrets.String(req.Reason), a.secrets.String(req.Excerpt)
	a.log.Warn("build failed", "atom", req.Atom, "fence", req.Fence, "signature", req.Signature, "reason", req.Reason, "log", b.logPath)
	a.ended(b, o)
	a.deliver(b, "fail", func(ctx context.Context) error {
		_, err := a.client.Fail(ctx, req)
		return err
	})
}

// commandName is the build command's program, for reasons such as
// "emerge exited 1".
func (a *Agent) commandName() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.settings.Command) == 0 {
		return "build"
	}
	return filepath.Base(a.settings.Command[0])
}

// signalName is a signal's name as a signature part: "killed",
// "segmentation-fault".
func signalName(st exitStatus) string {
	out := []byte(st.Signal.String())
	for i, c := range out {
		if c == ' ' {
			out[i] = '-'
		}
	}
	return string(out)
}

// ended feeds a build's outcome to the health machine; a drone that turns
// critical stops every other build it runs and gives them back.
func (a *Agent) ended(b *build, o Outcome) {
	a.mu.Lock()
	t := a.health.BuildEnded(o)
	a.mu.Unlock()
	if !t.Changed() || t.To != Critical {
		a.healthChanged(t)
		return
	}
	a.logTransition(t)
	// Tell the farm before giving the work back, so that no package comes
	// back from a drone the orchestrator still believes healthy.
	ctx, cancel := context.WithTimeout(a.ctx, abortCallTimeout)
	a.heartbeat(ctx)
	cancel()
	a.stopAll(stopReturn, "drone critical: "+t.Reason)
}

// stopAll stops every build that still runs (or is yet to start) for the
// reason kind and why, killing their process groups.
func (a *Agent) stopAll(kind stopKind, why string) {
	a.mu.Lock()
	var procs []*process
	for _, b := range a.held {
		if b.running && b.stop == stopNone {
			b.stop, b.why = kind, why
			if b.proc != nil {
				procs = append(procs, b.proc)
			}
		}
	}
	a.mu.Unlock()
	for _, p := range procs {
		p.kill()
	}
}

// drop stops and forgets the claims the orchestrator says are no longer
// the drone's: they are never reported.
func (a *Agent) drop(d api.Drop) {
	a.mu.Lock()
	var hit []*build
	var procs []*process
	for k, b := range a.held {
		if k.atom == d.Atom && (d.Fence == 0 || k.fence == d.Fence) && b.stop != stopDrop {
			b.stop, b.why = stopDrop, d.Reason
			hit = append(hit, b)
			if b.running && b.proc != nil {
				procs = append(procs, b.proc)
			}
		}
	}
	a.mu.Unlock()
	for _, b := range hit {
		a.log.Warn("the orchestrator took back a claim; stopping it", "atom", b.claim.Atom, "fence", b.claim.Fence, "reason", d.Reason)
		b.cancel()
	}
	for _, p := range procs {
		p.kill()
	}
}

// release forgets a build whose story is told. A critical drone that now
// holds no unfinished work moves on to recovering and its self-check.
func (a *Agent) release(b *build) {
	a.mu.Lock()
	if a.held[b.key] == b {
		delete(a.held, b.key)
	}
	b.cancel()
	var t Transition
	if a.health.State() == Critical && !a.holdsUnfinishedLocked() {
		t = a.health.WorkReturned()
	}
	a.mu.Unlock()
	a.healthChanged(t)
	if t.Changed() {
		a.bg.Go(a.selfCheckLoop)
	}
	a.poke()
}

// holdsUnfinishedLocked reports whether a build still runs or is still
// being given back. Lock must be held.
func (a *Agent) holdsUnfinishedLocked() bool {
	for _, b := range a.held {
		if b.running || b.stop == stopReturn {
			return true
		}
	}
	return false
}

// tasksLocked lists the builds the drone holds, with their progress (as of
// the last sampleProgress), for heartbeats and registration. Lock must be
// held.
func (a *Agent) tasksLocked() []api.Task {
	tasks := make([]api.Task, 0, len(a.held))
	for _, b := range a.held {
		if b.stop == stopDrop {
			continue
		}
		tasks = append(tasks, api.Task{Atom: b.claim.Atom, Fence: b.claim.Fence, Progress: b.progress})
	}
	return tasks
}

// sampleProgress reads every held build's meter: its output, its portage
// build.log and its process group's CPU time. The reading is done without
// the lock (one pass over /proc for all builds).
func (a *Agent) sampleProgress() {
	type probe struct {
		b     *build
		group int
		out   uint64
		file  uint64
	}
	a.mu.Lock()
	probes := make([]probe, 0, len(a.held))
	groups := make(map[int]bool)
	for _, b := range a.held {
		p := probe{b: b}
		if b.proc != nil {
			p.group = b.proc.cmd.Process.Pid // it leads its own group
			groups[p.group] = true
		}
		probes = append(probes, p)
	}
	a.mu.Unlock()
	cpu := groupCPU(groups)
	for i := range probes {
		probes[i].out, probes[i].file = fileSize(probes[i].b.logPath), fileSize(probes[i].b.buildLog)
	}
	a.mu.Lock()
	for _, p := range probes {
		p.b.progress = p.b.meter.add(p.out, p.file, cpu[p.group])
	}
	a.mu.Unlock()
}
