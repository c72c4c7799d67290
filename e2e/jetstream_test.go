package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The farm on [log] backend = "jetstream": serve runs the embedded
// JetStream server over .swarm/jetstream, the CLI beside it connects to that
// server (.swarm/jetstream/client.json), and with serve stopped the CLI
// opens the store itself.

// onJetStream is the setting that puts a new farm's log on JetStream.
var onJetStream = setting{"log.backend", `"jetstream"`}

// TestRealPortageOnJetStream: a farm on the JetStream log, real swarm serve,
// two real drones running real `emerge --buildpkg`. While they build, the
// CLI's views, replay and verify work beside serve; serve is killed with
// SIGKILL mid-build and the CLI works without it; serve restarts on the
// same address and the drones finish: hello and greeter built and
// promoted, broken failed, no package ever held by two claims, verify
// passing, and every view the same after serve stopped.
func TestRealPortageOnJetStream(t *testing.T) {
	t.Parallel()
	rp := newRealPortage(t)
	f := newFarm(t, onJetStream, setting{"build.command", fmt.Sprintf(
		`[%q, "emerge", "--oneshot", "--buildpkg", "--usepkg", "--getbinpkg", "={atom}"]`, testdata("portage-build"))})
	addr := freeLoopbackAddr(t)
	f.serveOn(addr)
	if _, err := os.Stat(filepath.Join(f.root, ".swarm", "jetstream", "client.json")); err != nil {
		t.Fatalf("serve on JetStream did not publish where the CLI reaches its log: %v", err)
	}
	env := []string{"REALPORTAGE_VENV=" + rp.venv, "REALPORTAGE_REPO=" + rp.repo, "REALPORTAGE_SCRIPTS=" + rp.scripts,
		"REALPORTAGE_PREFIXES=" + filepath.Join(rp.work, "drones")}
	for _, id := range []string{"d1", "d2"} {
		f.addDrone(id)
		f.startDrone(id, droneOpts{env: env, args: []string{"--tree", "farm-1"}})
	}
	plan := filepath.Join(rp.work, "plan.txt")
	out := rp.inPrefix(t, filepath.Join(rp.work, "plan"), "emerge", "--pretend", "--emptytree", "--quiet=n",
		"app-misc/greeter", "app-misc/broken")
	if err := os.WriteFile(plan, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	f.swarm("fresh", "--from", plan, "--tree", "farm-1", "--md5-cache", filepath.Join(rp.repo, "metadata", "md5-cache"))

	claim := f.waitEvent(realBuildTimeout, "a drone's claim", func(e event) bool { return e.Type == "claimed" })
	f.checkViews("beside serve", claim.Seq)
	f.server.kill9()
	f.checkViews("with serve killed", claim.Seq)
	down := f.status()
	t.Logf("serve killed with %d packages building, %d built", down.Queue.Building, down.Queue.Built)
	f.serveOn(addr)

	f.waitFor(realBuildTimeout, "hello and greeter built, broken failed", func() (bool, string) {
		state := map[string]string{}
		for _, r := range f.queue() {
			state[r.Atom] = r.State
		}
		return state["app-misc/hello-1.0"] == "built" && state["app-misc/greeter-2.1"] == "built" &&
			state["app-misc/broken-0.1"] == "failed", fmt.Sprint(state)
	})
	live := f.events()
	f.stopServer()
	f.checkViews("after serve stopped", live[len(live)-1].Seq)
	var st chaosStats
	f.checkNoDoubleClaims(&st)
	for _, atom := range []string{"app-misc/hello-1.0", "app-misc/greeter-2.1"} {
		if len(f.events().where(func(e event) bool { return e.Type == "promoted" && e.Atom == atom })) == 0 {
			t.Errorf("%s built but never promoted", atom)
		}
	}
	t.Logf("%d claims, %d failures in a log of %d events", st.claims, st.fails, len(f.events()))
}

// checkViews runs the CLI's views on the farm and checks that each works
// and sees the log at least up to seq.
func (f *farm) checkViews(when string, seq uint64) {
	f.t.Helper()
	for _, args := range [][]string{{"status"}, {"queue"}, {"drones"}, {"log", "-n", "3"},
		{"replay", "--until", strconv.FormatUint(seq, 10)}, {"verify"}} {
		if out, errOut, code := f.run(args...); code != 0 {
			f.t.Fatalf("%s: swarm %s: exit %d\n%s%s", when, strings.Join(args, " "), code, out, errOut)
		}
	}
	if s := f.status(); s.Seq < seq {
		f.t.Errorf("%s: status is as of seq %d, but event %d was in the log", when, s.Seq, seq)
	}
	out := f.swarm("verify")
	if !strings.Contains(out, "in the JetStream stream") {
		f.t.Errorf("%s: swarm verify did not verify the JetStream stream: %s", when, out)
	}
}

// TestKill9StormOnJetStream is TestKill9DuringAStormOfReports on the
// JetStream log: after kill -9s and restarts every claim and report serve
// answered 200 is in the log at the seq it answered with, no package is
// held by two claims, and verify passes. 8 trials; -long runs 50.
func TestKill9StormOnJetStream(t *testing.T) {
	t.Parallel()
	trials := 8
	if *stormLong {
		trials = 50
	}
	f := newFarm(t, onJetStream)
	f.stormKill(trials)
	if out := f.swarm("verify"); !strings.Contains(out, "in the JetStream stream") {
		t.Errorf("swarm verify did not verify the JetStream stream: %s", out)
	}
}

// TestEventStreamOnJetStream: the dashboard's event stream (/v1/events,
// server-sent events) on the JetStream log: a client from the start reads
// every event in order, with the event's seq as its id, and then, live, an
// event a CLI call appends through serve's JetStream server. The records
// view (/v1/log) serves the same log: swarm fetch copies it, proven by the
// chain, into a file log that prints the same events.
func TestEventStreamOnJetStream(t *testing.T) {
	t.Parallel()
	f := newFarm(t, onJetStream)
	f.enqueue("dev-libs/a-1", "dev-libs/b-1")
	f.serve()
	// The backlog: the two enqueued and what serve recorded as it started
	// (its settings); then one appended live.
	_, backlog, ok := health(f.url)
	if !ok || backlog < 2 {
		t.Fatalf("serve's health says the log ends at seq %d (answered: %v), want at least the 2 enqueued", backlog, ok)
	}
	last := backlog + 1
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url+"/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/events: %s", resp.Status)
	}
	ids := make(chan uint64)
	go readSSEIDs(resp, ids)
	next := uint64(1)
	appended := false
	for next <= last {
		select {
		case id, ok := <-ids:
			if !ok {
				t.Fatalf("the stream ended before event %d", next)
			}
			if id != next {
				t.Fatalf("the stream sent event %d, want %d", id, next)
			}
			next++
		case <-ctx.Done():
			t.Fatalf("the stream sent events up to %d, want %d (the last appended live by the CLI)", next-1, last)
		}
		if next == last && !appended { // the backlog seen: append one live
			f.enqueue("dev-libs/c-1")
			appended = true
		}
	}
	laptop := t.TempDir()
	if from, to := f.fetched(laptop, f.url); from != 1 || to != last {
		t.Errorf("swarm fetch copied seq %d to %d, want 1 to %d", from, to, last)
	}
	f.sameLog(laptop, last)
}

// readSSEIDs sends the id of each server-sent event to ids, and closes it
// when the stream ends.
func readSSEIDs(resp *http.Response, ids chan<- uint64) {
	defer close(ids)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
				ids <- n
			}
		}
	}
}

// TestMigrateRefusedWhileServing: `swarm log migrate` refuses while serve
// runs on the farm, and leaves config.toml as it was.
func TestMigrateRefusedWhileServing(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.enqueue("dev-libs/a-1")
	f.serve()
	cfg := filepath.Join(f.root, ".swarm", "config.toml")
	before, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := f.run("log", "migrate", "--to", "jetstream")
	if code != 1 || !strings.Contains(errOut, "serve") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("migrate beside serve: exit %d, stderr %q; want 1 and one line naming serve", code, errOut)
	}
	if after, _ := os.ReadFile(cfg); string(after) != string(before) {
		t.Errorf("a refused migrate changed config.toml")
	}
	f.stopServer()
	f.swarm("log", "migrate", "--to", "jetstream")
	f.serve()
	f.enqueue("dev-libs/b-1")
	if n := len(f.queue()); n != 2 {
		t.Errorf("after the migration the queue holds %d packages, want 2", n)
	}
}
