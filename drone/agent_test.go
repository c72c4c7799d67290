package drone

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
)

// fixedSampler returns whatever sample it holds.
type fixedSampler struct {
	mu sync.Mutex
	s  Sample
}

func (f *fixedSampler) Sample(context.Context) (Sample, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s, nil
}

func (f *fixedSampler) set(s Sample) {
	f.mu.Lock()
	f.s = s
	f.mu.Unlock()
}

// running is an agent under test, started on a fake orchestrator.
type running struct {
	agent  *Agent
	logDir string
	done   chan error
}

func startAgent(t *testing.T, f *fakeOrchestrator, slots int, s Sampler) *running {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{Orchestrator: f.srv.URL, ID: "d1", Token: f.token, Cores: 4, Slots: slots, LogDir: dir, Version: "test"}
	if s == nil {
		s = &fixedSampler{s: Sample{CPUPercent: 10, MemoryPercent: 20, DiskPercent: 30, Load1: 0.5}}
	}
	a, err := New(cfg, nil, WithSampler(s), WithClaimWait(50*time.Millisecond), WithRetry(10*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	r := &running{agent: a, logDir: dir, done: make(chan error, 1)}
	go func() { r.done <- a.Run(context.Background()) }()
	t.Cleanup(func() {
		a.Abort()
		select {
		case <-r.done:
		case <-time.After(20 * time.Second):
			t.Error("agent did not stop after Abort")
		}
	})
	return r
}

// wait waits for Run to return and gives its error.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

func TestAgentCompletesBuilds(t *testing.T) {
	f := newFake(t, "sh", "-c", `echo "building $0 as $1"; sleep 0.1`, "{atom}", "={atom}")
	f.enqueue("sys-devel/llvm-19.1.7", "dev-lang/perl-5.24.0-r1")
	r := startAgent(t, f, 1, nil)
	waitFor(t, "two completions", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.completes) })
		return n == 2
	})
	r.agent.Drain()
	if err := r.wait(t); err != nil {
		t.Fatalf("Run after drain = %v, want nil", err)
	}
	log, err := os.ReadFile(filepath.Join(r.logDir, "sys-devel_llvm-19.1.7.1.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "building sys-devel/llvm-19.1.7 as =sys-devel/llvm-19.1.7\n") {
		t.Errorf("build log lacks the command's output with the atom as one argument:\n%s", log)
	}
	f.with(func(f *fakeOrchestrator) {
		if len(f.fails)+len(f.returns) != 0 {
			t.Errorf("fails %v, returns %v; want none", f.fails, f.returns)
		}
		reg := f.registrations[0]
		if reg.Cores != 4 || reg.Slots != 1 || reg.Version != "test" || reg.Health != string(Healthy) {
			t.Errorf("registration = %+v", reg)
		}
	})
}

func TestAgentFailsWithSignature(t *testing.T) {
	conflict, err := filepath.Abs(filepath.Join("..", "internal", "eventmix", "slot-conflict.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFake(t, "sh", "-c", `echo "emerge $0"; cat "$1"; exit 1`, "={atom}", conflict)
	f.enqueue("media-libs/libpng-1.6.8")
	r := startAgent(t, f, 1, nil)
	var fail api.FailRequest
	waitFor(t, "a failure", func() bool {
		f.with(func(f *fakeOrchestrator) {
			if len(f.fails) > 0 {
				fail = f.fails[0]
			}
		})
		return fail.Atom != ""
	})
	if fail.Signature != "slot-conflict" || fail.Reason != "sh exited 1" {
		t.Errorf("fail = signature %q, reason %q; want slot-conflict, sh exited 1", fail.Signature, fail.Reason)
	}
	if !strings.Contains(fail.Excerpt, "resulting in a slot conflict") || len(fail.Excerpt) > excerptMaxBytes {
		t.Errorf("excerpt (%d bytes) lacks the conflict:\n%s", len(fail.Excerpt), fail.Excerpt)
	}
	if got := r.agent.State(); got != Healthy {
		t.Errorf("after an ordinary failure, health = %s, want healthy", got)
	}
}

func TestAgentExitCodeSignature(t *testing.T) {
	f := newFake(t, "sh", "-c", `echo nothing known; exit 3`, "{atom}")
	f.enqueue("app-misc/foo-1")
	startAgent(t, f, 1, nil)
	var fail api.FailRequest
	waitFor(t, "a failure", func() bool {
		f.with(func(f *fakeOrchestrator) {
			if len(f.fails) > 0 {
				fail = f.fails[0]
			}
		})
		return fail.Atom != ""
	})
	if fail.Signature != "exit-3" || fail.Reason != "sh exited 3" {
		t.Errorf("fail = signature %q, reason %q; want exit-3, sh exited 3", fail.Signature, fail.Reason)
	}
}

// TestAgentCrashesGoCritical: builds killed by a signal count as crashes;
// critical_crashes in a row make the drone critical, which returns the
// build it still runs; the self-check then makes it healthy, and it builds
// again.
func TestAgentCrashesGoCritical(t *testing.T) {
	f := newFake(t, "sh", "-c", `case $0 in crash/*) kill -9 $$;; slow/*) sleep 30;; esac; echo done`, "{atom}")
	f.with(func(f *fakeOrchestrator) {
		f.settings.Health.CriticalCrashes = 2
		f.settings.Health.SelfCheck = []string{"true"}
	})
	f.enqueue("slow/c-1", "crash/a-1", "crash/b-1")
	r := startAgent(t, f, 3, nil)
	waitFor(t, "two crashes reported and the slow build returned", func() bool {
		var n, m int
		f.with(func(f *fakeOrchestrator) { n, m = len(f.returns), len(f.fails) })
		return n == 1 && m == 2
	})
	f.with(func(f *fakeOrchestrator) {
		ret := f.returns[0]
		if ret.Atom != "slow/c-1" || ret.Reason != "drone critical: 2 builds crashed in a row" {
			t.Errorf("return = %+v", ret)
		}
		if h := f.healthAtReturn[0]; h != string(Critical) {
			t.Errorf("the orchestrator last heard %q before the return, want critical", h)
		}
		if len(f.fails) != 2 {
			t.Fatalf("fails = %+v, want the two crashes", f.fails)
		}
		for _, fl := range f.fails {
			if fl.Reason != "killed by signal: killed" || fl.Signature != "signal-killed" {
				t.Errorf("crash reported as %+v", fl)
			}
		}
	})
	waitFor(t, "healthy again after the self-check", func() bool { return r.agent.State() == Healthy })
	f.enqueue("ok/d-1")
	waitFor(t, "a build after recovering", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.completes) })
		return n == 1
	})
}

// TestAgentDropKillsBuild: a heartbeat's drop kills the build's whole
// process group and the drone never reports it.
func TestAgentDropKillsBuild(t *testing.T) {
	f := newFake(t, "sh", "-c", `sleep 30 & echo "child $!"; wait`, "{atom}")
	f.enqueue("sys-devel/gcc-13.2.1")
	r := startAgent(t, f, 1, nil)
	logPath := filepath.Join(r.logDir, "sys-devel_gcc-13.2.1.1.log")
	child := waitChildPID(t, logPath)
	f.with(func(f *fakeOrchestrator) {
		f.pendingDrops = []api.Drop{{Atom: "sys-devel/gcc-13.2.1", Fence: 1, Reason: "stalled"}}
	})
	waitFor(t, "the build's child killed", func() bool { return !alive(child) })
	waitFor(t, "a heartbeat without the build", func() bool {
		var empty bool
		f.with(func(f *fakeOrchestrator) {
			hb := f.heartbeats[len(f.heartbeats)-1]
			empty = len(hb.Tasks) == 0 && len(f.pendingDrops) == 0
		})
		return empty
	})
	f.with(func(f *fakeOrchestrator) {
		if n := f.reportCalls[api.VerbComplete] + f.reportCalls[api.VerbFail] + f.reportCalls[api.VerbReturn]; n != 0 {
			t.Errorf("a dropped build was reported (%d calls)", n)
		}
	})
	if got := r.agent.State(); got != Healthy {
		t.Errorf("a build killed on the orchestrator's word is no crash: health = %s", got)
	}
}

// TestAgentDrainFinishesBuilds: Drain lets the running build finish and
// be reported, claims nothing more, and Run returns nil.
func TestAgentDrainFinishesBuilds(t *testing.T) {
	dir := t.TempDir()
	gate := filepath.Join(dir, "go")
	f := newFake(t, "sh", "-c", `while [ ! -e "$1" ]; do sleep 0.05; done; echo built $0`, "{atom}", gate)
	f.enqueue("dev-libs/a-1", "dev-libs/b-1")
	r := startAgent(t, f, 1, nil)
	waitFor(t, "the first build running", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) {
			if len(f.heartbeats) > 0 {
				n = len(f.heartbeats[len(f.heartbeats)-1].Tasks)
			}
		})
		return n == 1
	})
	r.agent.Drain()
	waitFor(t, "a heartbeat that says draining", func() bool {
		var d bool
		f.with(func(f *fakeOrchestrator) { d = f.heartbeats[len(f.heartbeats)-1].Draining })
		return d
	})
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.wait(t); err != nil {
		t.Fatalf("Run after drain = %v, want nil", err)
	}
	f.with(func(f *fakeOrchestrator) {
		if len(f.completes) != 1 || f.completes[0].Atom != "dev-libs/a-1" {
			t.Errorf("completes = %+v, want dev-libs/a-1 only", f.completes)
		}
		if len(f.queue) != 1 {
			t.Errorf("a draining drone claimed more: queue left %v", f.queue)
		}
	})
}

// TestAgentReturnsClaimGrantedWhileDraining: a claim the orchestrator
// grants during the long poll in which the drone began draining is given
// back unbuilt, never reported as built.
func TestAgentReturnsClaimGrantedWhileDraining(t *testing.T) {
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran")
	f := newFake(t, "touch", ran)
	gate := make(chan struct{})
	f.with(func(f *fakeOrchestrator) { f.claimGate = gate })
	f.enqueue("dev-libs/a-1")
	r := startAgent(t, f, 1, nil)
	waitFor(t, "a claim waiting", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = f.claims })
		return n == 1
	})
	r.agent.Drain()
	close(gate)
	if err := r.wait(t); err != nil {
		t.Fatalf("Run after drain = %v, want nil", err)
	}
	f.with(func(f *fakeOrchestrator) {
		if len(f.returns) != 1 || f.returns[0].Reason != "drone shutting down" || len(f.completes)+len(f.fails) != 0 {
			t.Errorf("returns %+v, completes %+v, fails %+v; want one return", f.returns, f.completes, f.fails)
		}
	})
	if _, err := os.Stat(ran); err == nil {
		t.Error("the refused claim was built")
	}
}

// TestAgentAbortReturnsWork: Abort kills every build and returns each
// package with the shutdown reason.
func TestAgentAbortReturnsWork(t *testing.T) {
	f := newFake(t, "sh", "-c", `sleep 30 & echo "child $!"; wait`, "{atom}")
	f.enqueue("dev-libs/a-1", "dev-libs/b-1")
	r := startAgent(t, f, 2, nil)
	childA := waitChildPID(t, filepath.Join(r.logDir, "dev-libs_a-1.1.log"))
	childB := waitChildPID(t, filepath.Join(r.logDir, "dev-libs_b-1.2.log"))
	r.agent.Abort()
	if err := r.wait(t); err != nil {
		t.Fatalf("Run after abort = %v, want nil", err)
	}
	f.with(func(f *fakeOrchestrator) {
		if len(f.returns) != 2 || len(f.completes)+len(f.fails) != 0 {
			t.Fatalf("returns %+v, completes %+v, fails %+v; want two returns", f.returns, f.completes, f.fails)
		}
		for _, ret := range f.returns {
			if ret.Reason != "drone shutting down" {
				t.Errorf("return reason %q", ret.Reason)
			}
		}
	})
	waitFor(t, "the builds' children killed", func() bool { return !alive(childA) && !alive(childB) })
}

// TestAgentStaleFenceDropsReport: a report refused as stale is not retried.
func TestAgentStaleFenceDropsReport(t *testing.T) {
	f := newFake(t, "true", "{atom}")
	f.with(func(f *fakeOrchestrator) { f.stale["dev-libs/a-1"] = true })
	f.enqueue("dev-libs/a-1", "dev-libs/b-1")
	startAgent(t, f, 1, nil)
	waitFor(t, "the second build complete", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.completes) })
		return n == 1
	})
	f.with(func(f *fakeOrchestrator) {
		if f.completes[0].Atom != "dev-libs/b-1" || f.reportCalls[api.VerbComplete] != 2 {
			t.Errorf("completes %+v after %d calls; want b-1 after one call each", f.completes, f.reportCalls[api.VerbComplete])
		}
	})
}

// TestAgentRetriesReports: a completion the orchestrator cannot take yet
// is retried until it is recorded.
func TestAgentRetriesReports(t *testing.T) {
	f := newFake(t, "true", "{atom}")
	f.with(func(f *fakeOrchestrator) { f.refuse[api.VerbComplete] = 3 })
	f.enqueue("dev-libs/a-1")
	startAgent(t, f, 1, nil)
	waitFor(t, "the completion recorded", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.completes) })
		return n == 1
	})
	f.with(func(f *fakeOrchestrator) {
		if f.reportCalls[api.VerbComplete] != 4 {
			t.Errorf("complete calls = %d, want 3 refused + 1", f.reportCalls[api.VerbComplete])
		}
	})
}

// TestAgentReregisters: when the orchestrator forgets the drone, the next
// call registers it again, listing the build it holds.
func TestAgentReregisters(t *testing.T) {
	dir := t.TempDir()
	gate := filepath.Join(dir, "go")
	f := newFake(t, "sh", "-c", `while [ ! -e "$1" ]; do sleep 0.05; done`, "{atom}", gate)
	f.with(func(f *fakeOrchestrator) { f.refuse[api.VerbRegister] = 2 }) // not up yet
	f.enqueue("dev-libs/a-1")
	startAgent(t, f, 1, nil)
	waitFor(t, "the build running", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) {
			if len(f.heartbeats) > 0 {
				n = len(f.heartbeats[len(f.heartbeats)-1].Tasks)
			}
		})
		return n == 1
	})
	f.with(func(f *fakeOrchestrator) { f.registered = false })
	waitFor(t, "a second registration", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.registrations) })
		return n == 2
	})
	f.with(func(f *fakeOrchestrator) {
		tasks := f.registrations[1].Tasks
		if len(tasks) != 1 || tasks[0].Atom != "dev-libs/a-1" || tasks[0].Fence != 1 {
			t.Errorf("re-registration tasks = %+v, want the running build", tasks)
		}
	})
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the completion", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.completes) })
		return n == 1
	})
}

func TestAgentUnauthorizedIsFatal(t *testing.T) {
	f := newFake(t, "true")
	f.with(func(f *fakeOrchestrator) { f.unauthorized = true })
	r := startAgent(t, f, 1, nil)
	err := r.wait(t)
	if !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("Run = %v, want api.ErrUnauthorized", err)
	}
	if !strings.Contains(err.Error(), "swarm drones add d1") {
		t.Errorf("error gives no advice: %v", err)
	}
}

// TestAgentDegradedClaimsNothing: memory over the threshold stops claims
// until it falls again.
func TestAgentDegradedClaimsNothing(t *testing.T) {
	f := newFake(t, "true", "{atom}")
	f.enqueue("dev-libs/a-1")
	s := &fixedSampler{s: Sample{MemoryPercent: 95}}
	r := startAgent(t, f, 1, s)
	waitFor(t, "several heartbeats", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.heartbeats) })
		return n >= 5
	})
	f.with(func(f *fakeOrchestrator) {
		if f.claims != 0 {
			t.Errorf("a degraded drone claimed %d times", f.claims)
		}
		if h := f.heartbeats[len(f.heartbeats)-1]; h.Health != string(Degraded) || h.MemoryPercent != 95 {
			t.Errorf("heartbeat = %+v, want degraded with memory 95", h)
		}
	})
	if r.agent.State() != Degraded {
		t.Errorf("state = %s, want degraded", r.agent.State())
	}
	s.set(Sample{MemoryPercent: 50})
	waitFor(t, "the build once healthy", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.completes) })
		return n == 1
	})
}

// TestAgentRunsSlotsAtOnce: with three slots, three builds run together
// (each waits until all three have started).
func TestAgentRunsSlotsAtOnce(t *testing.T) {
	dir := t.TempDir()
	f := newFake(t, "sh", "-c", `touch "$1/$SWARM_FENCE"; n=0
while [ "$(ls "$1" | wc -l)" -lt 3 ]; do
	sleep 0.05; n=$((n+1)); if [ $n -gt 400 ]; then exit 1; fi
done
exit 0`, "{atom}", dir)
	f.enqueue("a/a-1", "b/b-1", "c/c-1")
	startAgent(t, f, 3, nil)
	waitFor(t, "three completions", func() bool {
		var n, failed int
		f.with(func(f *fakeOrchestrator) { n, failed = len(f.completes), len(f.fails) })
		if failed > 0 {
			t.Fatalf("a build failed: the three did not run at once: %+v", f.fails)
		}
		return n == 3
	})
}

// waitChildPID reads the "child PID" line a test build writes to its log.
func waitChildPID(t *testing.T, logPath string) int {
	t.Helper()
	re := regexp.MustCompile(`child (\d+)`)
	var pid int
	waitFor(t, "the build's child in "+filepath.Base(logPath), func() bool {
		data, _ := os.ReadFile(logPath)
		if m := re.FindSubmatch(data); m != nil {
			pid, _ = strconv.Atoi(string(m[1]))
		}
		return pid > 0
	})
	return pid
}

// alive reports whether pid runs (a zombie waiting to be reaped is dead).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// TestAgentDrainWhileUnregistered: a drone that never reached the
// orchestrator holds nothing, so Drain ends it at once.
func TestAgentDrainWhileUnregistered(t *testing.T) {
	f := newFake(t, "true")
	f.with(func(f *fakeOrchestrator) { f.refuse[api.VerbRegister] = 1 << 30 })
	r := startAgent(t, f, 1, nil)
	waitFor(t, "a refused registration", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = f.reportCalls[api.VerbRegister] })
		return n >= 2
	})
	r.agent.Drain()
	if err := r.wait(t); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
}
