package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/swarm-build/swarm/internal/testenv"
)

// Deadlines. They are generous on purpose: a loaded two-core CI machine
// may run a dozen of these processes at once, and a deadline only bounds
// how long a failing test takes to say so.
const (
	startTimeout = 30 * time.Second // server listening, drone registered
	cliTimeout   = 30 * time.Second // one CLI call
	pollEvery    = 200 * time.Millisecond
)

// farm is one throwaway build farm: a state folder in a temporary folder,
// its orchestrator, its drones and the record fake-emerge keeps.
type farm struct {
	t      testing.TB
	root   string // holds .swarm; passed as --dir
	record string // FAKE_EMERGE_RECORD of every drone
	url    string // the orchestrator's base URL, once serving

	mu     sync.Mutex
	server *proc
	drones map[string]*proc // the latest process of each drone id
	procs  []*proc          // every process started, for cleanup and logs
	tokens map[string]string
	// member: the farm's log is one member's of a replicated log, which no
	// process can read once the members are gone; cleanup reads nothing of
	// it (the cluster tests check what they need while the members run).
	member bool
}

// setting is one `swarm config set KEY VALUE` applied when a farm is made.
type setting struct{ key, value string }

// newFarm makes a farm in a temporary folder: `swarm init`, the fast test
// timings (heartbeat 1s, lease 4s, maintenance every 250ms, the binhost
// index every 100ms), fake-emerge as
// the build command, then extra settings in order. Every process the farm
// starts is killed when the test ends; if the test failed, their output,
// the event log and the build record are printed first.
func newFarm(t testing.TB, extra ...setting) *farm {
	t.Helper()
	f := &farm{t: t, root: t.TempDir(), drones: map[string]*proc{}, tokens: map[string]string{}}
	f.record = filepath.Join(f.root, "record.txt")
	t.Cleanup(f.cleanup)
	f.cliInit()
	settings := []setting{
		{"farm.heartbeat", `"1s"`},
		{"farm.lease", `"4s"`},
		{"server.maintenance_every", `"250ms"`},
		{"binhost.index_every", `"100ms"`}, // an upload waits for the index that lists it
		{"build.command", fmt.Sprintf(`[%q, "={atom}"]`, testdata("fake-emerge"))},
	}
	for _, s := range append(settings, extra...) {
		f.swarm("config", "set", s.key, s.value)
	}
	return f
}

func (f *farm) cliInit() {
	f.t.Helper()
	cmd := exec.Command(swarmBin, "init", f.root)
	cmd.Env = f.baseEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		f.t.Fatalf("swarm init %s: %v\n%s", f.root, err, out)
	}
}

// baseEnv is the environment of every process of the farm: the test's,
// without anything that could point a process at another farm or at the
// user's own configuration, and without colour; a race-built binary
// (SWARM_E2E_RACE=1) exits without the race runtime's second of sleep.
func (f *farm) baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "FAKE_") || strings.HasPrefix(k, "SWARM_") || strings.HasPrefix(k, "XDG_") ||
			k == "HOME" || k == "NO_COLOR" {
			continue
		}
		env = append(env, kv)
	}
	home := filepath.Join(f.root, "home")
	return testenv.Env(append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_STATE_HOME="+filepath.Join(home, ".local", "state"), "NO_COLOR=1"))
}

// run runs `swarm --dir ROOT args...` and returns its stdout, stderr and
// exit code. It fails the test only if the binary could not be run.
func (f *farm) run(args ...string) (stdout, stderr string, code int) {
	f.t.Helper()
	return f.runBin(swarmBin, "", cliTimeout, append([]string{"--dir", f.root}, args...)...)
}

// runBin runs bin with args in dir ("": the test's own) within timeout and
// returns its stdout, stderr and exit code. It fails the test only if the
// binary could not be run (or ran out of time).
func (f *farm) runBin(bin, dir string, timeout time.Duration, args ...string) (stdout, stderr string, code int) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir, cmd.Env = dir, f.baseEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ctx.Err() == nil:
		code = ee.ExitCode()
	default:
		f.t.Fatalf("swarm %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), errOut.String(), code
}

// swarm runs a CLI verb that must succeed and returns its stdout.
func (f *farm) swarm(args ...string) string {
	f.t.Helper()
	out, errOut, code := f.run(args...)
	if code != 0 {
		f.t.Fatalf("swarm %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// swarmJSON runs a CLI verb with --json and decodes its output into v.
func (f *farm) swarmJSON(v any, args ...string) {
	f.t.Helper()
	out := f.swarm(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		f.t.Fatalf("swarm %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// addDrone admits a drone with `swarm drones add` and keeps its token.
func (f *farm) addDrone(id string, args ...string) string {
	f.t.Helper()
	out := f.swarm(append([]string{"drones", "add", id}, args...)...)
	token := strings.TrimSuffix(out, "\n")
	if token == "" || strings.ContainsAny(token, " \n\t") {
		f.t.Fatalf("swarm drones add %s printed %q, want the token alone", id, out)
	}
	f.mu.Lock()
	f.tokens[id] = token
	f.mu.Unlock()
	return token
}

// token returns the token of an admitted drone.
func (f *farm) token(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens[id]
}

// logFile is where a process's output goes.
func (f *farm) logFile(name string) string {
	return filepath.Join(f.root, "logs", name+".out")
}

// serve starts `swarm serve --listen 127.0.0.1:0` (see serveOn).
func (f *farm) serve() {
	f.t.Helper()
	f.serveOn("127.0.0.1:0")
}

// serveOn starts `swarm serve --listen listen`, with argv prefix wrap (say,
// a shell that lowers the descriptor limit first), and waits until it
// answers GET /v1/health with 200. It finds the port in .swarm/serve.json,
// which the server writes once it listens, and sets f.url to reach it over
// 127.0.0.1 whatever address it listens on (0.0.0.0 included).
func (f *farm) serveOn(listen string, wrap ...string) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Join(f.root, "logs"), 0o755); err != nil {
		f.t.Fatal(err)
	}
	argv := append(wrap, swarmBin, "--dir", f.root, "serve", "--listen", listen)
	p, err := startProc("server", f.logFile("server"), f.baseEnv(), argv...)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.server = p
	f.procs = append(f.procs, p)
	f.mu.Unlock()
	deadline := time.Now().Add(startTimeout)
	for {
		if p.exited() {
			f.t.Fatalf("swarm serve ended before it served (%s); see its output below", p.describeExit())
		}
		if raw, ok := f.serveURL(p.pid()); ok {
			u, err := url.Parse(raw)
			if err != nil {
				f.t.Fatalf("serve.json url %q: %v", raw, err)
			}
			local := "http://" + net.JoinHostPort("127.0.0.1", u.Port())
			if healthy(local) {
				f.url = local
				return
			}
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("swarm serve did not write .swarm/serve.json and answer /v1/health within %v", startTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveURL reads .swarm/serve.json; ok only if it names the process pid.
func (f *farm) serveURL(pid int) (string, bool) {
	data, err := os.ReadFile(filepath.Join(f.root, ".swarm", "serve.json"))
	if err != nil {
		return "", false
	}
	var s struct {
		URL string `json:"url"`
		PID int    `json:"pid"`
	}
	if json.Unmarshal(data, &s) != nil || s.URL == "" || s.PID != pid {
		return "", false
	}
	return strings.TrimRight(s.URL, "/"), true
}

// healthy reports whether GET url/v1/health answers 200.
func healthy(url string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url + "/v1/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// stopServer sends SIGTERM to the orchestrator and waits for it to exit.
func (f *farm) stopServer() {
	f.t.Helper()
	f.server.signal(syscall.SIGTERM)
	if _, ok := f.server.wait(startTimeout); !ok {
		f.t.Fatalf("swarm serve did not exit within %v of SIGTERM", startTimeout)
	}
}

// droneOpts are how one drone process is started.
type droneOpts struct {
	slots int      // --slots; 0 = 1
	env   []string // extra environment (FAKE_EMERGE_*), inherited by its builds
	args  []string // extra flags of `swarm drone` (--tree ID, --capability C …)
	bin   string   // the swarm binary it runs; "" = swarmBin
}

// startDrone starts `swarm drone` for an admitted drone, its token in
// $SWARM_DRONE_TOKEN as an operator should pass it (a --token flag shows
// in ps). Its builds inherit its environment, less the token, which names
// the drone and the record file for fake-emerge, plus o.env.
func (f *farm) startDrone(id string, o droneOpts) *proc {
	f.t.Helper()
	if f.url == "" {
		f.t.Fatal("startDrone before serve")
	}
	slots := max(o.slots, 1)
	env := append(f.baseEnv(), "FAKE_EMERGE_DRONE="+id, "FAKE_EMERGE_RECORD="+f.record)
	env = append(append(env, o.env...), "SWARM_DRONE_TOKEN="+f.token(id))
	bin := swarmBin
	if o.bin != "" {
		bin = o.bin
	}
	argv := []string{bin, "drone", "--orchestrator", f.url, "--id", id,
		"--slots", strconv.Itoa(slots), "--log-dir", filepath.Join(f.root, "builds", id)}
	p, err := startProc("drone "+id, f.logFile("drone-"+id), env, append(argv, o.args...)...)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.drones[id] = p
	f.procs = append(f.procs, p)
	f.mu.Unlock()
	return p
}

// drone returns the latest process of a drone.
func (f *farm) drone(id string) *proc {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.drones[id]
}

// killDrone kills a drone as a dead machine would die: SIGKILL to the drone
// and to every build it had running (each build leads its own process
// group, so killing the drone alone would leave them running and
// recording).
func (f *farm) killDrone(id string) {
	f.t.Helper()
	f.drone(id).kill9()
	for _, r := range readRecord(f.t, f.record).running(id) {
		_ = syscall.Kill(-r.pid, syscall.SIGKILL)
	}
}

// waitFor polls cond until it holds, failing the test after timeout with
// what was awaited and cond's last word on it. It stops early if the
// orchestrator dies, since nothing can change then.
func (f *farm) waitFor(timeout time.Duration, what string, cond func() (bool, string)) {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if f.server != nil && f.server.exited() {
			f.t.Fatalf("waiting for %s: swarm serve ended (%s); last: %s", what, f.server.describeExit(), last)
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out after %v waiting for %s; last: %s", timeout, what, last)
		}
		time.Sleep(pollEvery)
	}
}

// cleanup kills every process of the farm and every build left running,
// then, if the test failed, prints what they said.
func (f *farm) cleanup() {
	f.mu.Lock()
	procs := append([]*proc(nil), f.procs...)
	f.mu.Unlock()
	for _, p := range procs {
		p.kill9()
	}
	if _, err := os.Stat(f.record); err == nil {
		for _, r := range readRecord(f.t, f.record).runs {
			if !r.ended {
				_ = syscall.Kill(-r.pid, syscall.SIGKILL)
			}
		}
	}
	if !f.member {
		f.checkCompletionsBuilt()
	}
	for _, p := range procs {
		if raceBinary && fileContains(p.logPath, "WARNING: DATA RACE") {
			f.t.Errorf("%s reported a data race; see its output", p.name)
		}
	}
	if f.t.Failed() {
		f.dump(procs)
	}
}

// dump prints the output of every process, the end of the event log and
// the build record.
func (f *farm) dump(procs []*proc) {
	for _, p := range procs {
		data, _ := os.ReadFile(p.logPath)
		f.t.Logf("----- %s (%s; %s) -----\n%s", p.name, p.logPath, p.describeExit(), tailLines(string(data), 150))
	}
	if !f.member {
		out, errOut, _ := f.run("log", "-n", "200")
		f.t.Logf("----- swarm log -n 200 -----\n%s%s", out, errOut)
	}
	data, _ := os.ReadFile(f.record)
	f.t.Logf("----- build record (%s) -----\n%s", f.record, tailLines(string(data), 100))
}

func fileContains(path, s string) bool {
	data, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(data), s)
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) <= n {
		return s
	}
	return fmt.Sprintf("[… %d lines …]\n", len(lines)-n) + strings.Join(lines[len(lines)-n:], "")
}

// enqueue adds packages to the queue.
func (f *farm) enqueue(atoms ...string) {
	f.t.Helper()
	f.swarm(append([]string{"enqueue"}, atoms...)...)
}

// waitSettled waits until no package is needed or building, and returns
// the status then.
func (f *farm) waitSettled(timeout time.Duration) status {
	f.t.Helper()
	var s status
	f.waitFor(timeout, "the queue to settle (nothing needed or building)", func() (bool, string) {
		s = f.status()
		return s.Queue.Needed == 0 && s.Queue.Building == 0, fmt.Sprintf("queue %+v", s.Queue)
	})
	return s
}

// waitEvent waits for the first event that match accepts and returns it.
func (f *farm) waitEvent(timeout time.Duration, what string, match func(event) bool) event {
	f.t.Helper()
	var found event
	f.waitFor(timeout, what, func() (bool, string) {
		evs := f.events()
		e, ok := evs.where(match).first()
		found = e
		last := "no such event yet"
		if n := len(evs); n > 0 {
			last += fmt.Sprintf("; the log's last event: %s", evs[n-1])
		}
		return ok, last
	})
	return found
}

// post sends a drone's API call the raw way, as curl would: POST
// /v1/drones/ID/VERB with a JSON body and, unless token is "", a bearer
// token. It returns the status and the body.
func (f *farm) post(id, token, verb string, body any) (int, []byte) {
	f.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		f.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, f.url+"/v1/drones/"+id+"/"+verb, bytes.NewReader(data))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := http.Client{Timeout: cliTimeout}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("POST %s %s: %v", id, verb, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(resp.Body); err != nil {
		f.t.Fatalf("POST %s %s: reading the answer: %v", id, verb, err)
	}
	return resp.StatusCode, out.Bytes()
}

// checkCompletionsBuilt holds every farm to the rule behind the whole
// design: a package is built only if it was built. Each completed event by
// a drone process of this farm must have its own successful run of
// fake-emerge, on that drone, behind it. (Drones played by hand over the
// API, as in the fencing test, build nothing and are not checked.)
func (f *farm) checkCompletionsBuilt() {
	f.mu.Lock()
	started := make(map[string]bool, len(f.drones))
	for id := range f.drones {
		started[id] = true
	}
	f.mu.Unlock()
	if len(started) == 0 {
		return
	}
	rec := readRecord(f.t, f.record)
	built := map[[2]string]int{}
	for _, r := range rec.runs {
		if r.ended && r.status == "0" {
			built[[2]string{r.atom, r.drone}]++
		}
	}
	out, errOut, code := f.run("log", "--json", "--type", "completed")
	if code != 0 {
		f.t.Errorf("swarm log --json --type completed: exit %d: %s", code, errOut)
		return
	}
	for line := range strings.Lines(out) {
		var e event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			f.t.Errorf("swarm log --json: %v in %q", err, line)
			return
		}
		if !started[e.Drone] {
			continue
		}
		k := [2]string{e.Atom, e.Drone}
		if built[k] == 0 {
			f.t.Errorf("%s: reported completed, but %s never built %s successfully; its builds: %+v",
				e, e.Drone, e.Atom, rec.of(e.Atom))
			continue
		}
		built[k]--
	}
}
