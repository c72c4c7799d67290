package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// newRelease is the version of the second swarm binary the restart tests
// deploy over the first ("dev").
const newRelease = "2.0.0"

var (
	newBinOnce sync.Once
	newBin     string
	newBinErr  error
)

// newSwarmBin builds swarm once more, as release newRelease (the ldflags
// variable the release build sets), beside swarmBin.
func newSwarmBin(t testing.TB) string {
	t.Helper()
	newBinOnce.Do(func() {
		newBin = filepath.Join(filepath.Dir(swarmBin), "swarm-"+newRelease)
		args := []string{"build", "-o", newBin, "-ldflags", "-X main.version=" + newRelease}
		if raceBinary {
			args = append(args, "-race")
		}
		cmd := exec.Command(goTool(), append(args, "./cmd/swarm")...)
		cmd.Dir = moduleDir
		if out, err := cmd.CombinedOutput(); err != nil {
			newBinErr = fmt.Errorf("building swarm %s: %w\n%s", newRelease, err, out)
		}
	})
	if newBinErr != nil {
		t.Fatal(newBinErr)
	}
	return newBin
}

// droneHost makes h a build machine of the farm: its folder holds the
// first release (swarmBin, VERSION dev) and restart.sh, the restart
// command deploy runs there over SSH. restart.sh appends to h.root/restarted
// (the marker), stops the drone it started last with SIGTERM and waits
// until it is gone (a drone finishes its builds first), then starts bin/swarm
// as drone h.name in the background, unless bin/VERSION says broken: then
// it starts a process that never heartbeats. Every process it starts is
// killed when the test ends. env is extra environment of the drone.
func (f *farm) droneHost(h *sshHost, broken string, env ...string) string {
	f.t.Helper()
	data, err := os.ReadFile(swarmBin)
	if err != nil {
		f.t.Fatal(err)
	}
	writeFile(f.t, filepath.Join(h.bin, "swarm"), data, 0o755)
	writeFile(f.t, filepath.Join(h.bin, "VERSION"), []byte("dev\n"), 0o644)
	token := f.addDrone(h.name)
	envs := []string{"HOME=" + filepath.Join(h.root, "home"), "SWARM_DRONE_TOKEN=" + token,
		"FAKE_EMERGE_DRONE=" + h.name, "FAKE_EMERGE_RECORD=" + f.record}
	var exports []string
	for _, kv := range append(envs, env...) {
		exports = append(exports, "export '"+strings.ReplaceAll(kv, "'", `'\''`)+"'")
	}
	script := fmt.Sprintf(`#!/bin/sh
H=%q
echo restart >> "$H/restarted"
if [ -f "$H/drone.pid" ]; then
	pid=$(cat "$H/drone.pid")
	kill -TERM "$pid" 2>/dev/null
	while [ -e "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; do sleep 0.1; done
fi
cd "$H/bin" || exit 1
if [ "$(cat VERSION)" = %q ]; then
	nohup sleep 300 >/dev/null 2>&1 </dev/null &
else
	%s
	nohup ./swarm drone --orchestrator %q --id %q --log-dir "$H/builds" >>"$H/drone.log" 2>&1 </dev/null &
fi
echo $! > "$H/drone.pid"
echo $! >> "$H/pids"
`, h.root, broken, strings.Join(exports, "\n\t"), f.url, h.name)
	path := filepath.Join(h.root, "restart.sh")
	writeFile(f.t, path, []byte(script), 0o755)
	f.t.Cleanup(func() { killPids(filepath.Join(h.root, "pids")) })
	return path
}

// killPids kills every process whose id is a line of file.
func killPids(file string) {
	data, _ := os.ReadFile(file)
	for _, line := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(line); err == nil && pid > 1 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// startHostDrone runs h's restart command locally, as the host's init
// system would at boot, and waits for the drone to register.
func (f *farm) startHostDrone(h *sshHost, restart string) {
	f.t.Helper()
	if out, err := exec.Command("sh", restart).CombinedOutput(); err != nil {
		f.t.Fatalf("%s: %v\n%s", restart, err, out)
	}
	f.waitDroneVersion(h.name, "dev")
}

// droneJSON is what the restart tests read of `swarm drones --json`.
type droneJSON struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Version string `json:"version"`
}

// waitDroneVersion waits until drone id is online running version.
func (f *farm) waitDroneVersion(id, version string) {
	f.t.Helper()
	f.waitFor(startTimeout, id+" online on "+version, func() (bool, string) {
		var ds []droneJSON
		f.swarmJSON(&ds, "drones", "--json")
		for _, d := range ds {
			if d.ID == id {
				return d.Status != "offline" && d.Version == version, fmt.Sprintf("%+v", d)
			}
		}
		return false, "not registered"
	})
}

// logEvent is an event of `swarm log --json`, as the restart tests read it.
type logEvent struct {
	Seq     uint64 `json:"seq"`
	Type    string `json:"type"`
	Atom    string `json:"atom"`
	Drone   string `json:"drone"`
	Remote  string `json:"remote"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
}

func (f *farm) logEvents() []logEvent {
	f.t.Helper()
	var out []logEvent
	for line := range strings.Lines(f.swarm("log", "--json")) {
		var e logEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			f.t.Fatalf("swarm log --json: %v in %q", err, line)
		}
		out = append(out, e)
	}
	return out
}

// TestDeployRestartsAndRollsBack deploys a new release to two drone hosts
// over SSH. On build-1 the drone is mid-build: its restart command stops
// it as SIGTERM does, the build finishes and is reported once, and the new
// release registers. On build-2 the new release never comes up: the host
// is rolled back to swarm.prev, runs the previous release and registers
// again, and the deploy exits 1 saying so. Every step is an event.
func TestDeployRestartsAndRollsBack(t *testing.T) {
	t.Parallel()
	release := newSwarmBin(t)
	f := newFarm(t)
	f.serve()
	good, bad := f.startSSHD("build-1", ""), f.startSSHD("build-2", "")
	goodRestart := f.droneHost(good, "", "FAKE_EMERGE_SECONDS=20") // still building when restarted
	badRestart := f.droneHost(bad, newRelease)
	for h, restart := range map[*sshHost]string{good: goodRestart, bad: badRestart} {
		f.trustHost(h)
		f.addRemote(h, "--restart", "sh "+restart)
	}
	f.startHostDrone(good, goodRestart)
	atom := realAtoms(t, 0, 1)[0]
	f.enqueue(atom)
	f.waitFor(startTimeout, "build-1 building "+atom, func() (bool, string) {
		return len(readRecord(t, f.record).running("build-1")) == 1, "not yet"
	})
	f.startHostDrone(bad, badRestart)

	out, errOut, code := f.deployWith(release, "--wait", "30s", "--parallel", "2")
	t.Logf("swarm deploy:\n%s%s", errOut, out)
	if code != 1 {
		t.Fatalf("deploy: exit %d, want 1 (build-2 rolled back)\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "build-1: updated\n") ||
		!strings.Contains(out, "build-2: failed: rolled back (no registration with "+newRelease) {
		t.Errorf("deploy printed\n%s\nwant build-1 updated and build-2 rolled back\n%s", out, errOut)
	}
	f.waitDroneVersion("build-1", newRelease)
	f.waitDroneVersion("build-2", "dev")

	rec := readRecord(t, f.record)
	if runs := rec.of(atom); len(runs) != 1 || !runs[0].ended || runs[0].status != "0" {
		t.Errorf("the build under way during the restart: runs %+v, want one that finished", runs)
	}
	evs := f.logEvents()
	completed, registered, started := 0, uint64(0), uint64(0)
	var steps []string
	for _, e := range evs {
		switch {
		case e.Type == "completed" && e.Atom == atom:
			completed++
			if registered != 0 {
				t.Errorf("%s completed after build-1 registered with the new release", atom)
			}
			if started == 0 {
				t.Errorf("%s completed before the deploy began: nothing was drained", atom)
			}
		case e.Type == "deploy_started" && e.Remote == "build-1":
			started = e.Seq
			steps = append(steps, e.Type+" "+e.Remote+" "+e.Version)
		case e.Type == "drone_registered" && e.Drone == "build-1" && e.Version == newRelease:
			registered = e.Seq
		case e.Remote != "":
			steps = append(steps, e.Type+" "+e.Remote+" "+e.Version)
		}
	}
	if completed != 1 {
		t.Errorf("%s completed %d times, want once", atom, completed)
	}
	for _, want := range []string{"deploy_started build-1 " + newRelease, "deployed build-1 " + newRelease,
		"deploy_started build-2 " + newRelease, "rolled_back build-2 " + newRelease} {
		if !strings.Contains(strings.Join(steps, "\n")+"\n", want+"\n") {
			t.Errorf("the log's deploy steps\n%s\nlack %q", strings.Join(steps, "\n"), want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(bad.bin, "VERSION")); string(b) != "dev\n" {
		t.Errorf("build-2's VERSION after the rollback = %q, want dev", b)
	}
	checkStaleViews(f)
	// The incident finder names the rolled-back deploy from this real log.
	if ins := f.incidents("deploy_failure"); len(ins) != 1 || !strings.Contains(ins[0].Summary, "build-2") {
		t.Errorf("replay --incidents: deploy failures %+v, want one, of build-2", ins)
	}
	for h, n := range map[*sshHost]int{good: 2, bad: 3} { // boot, deploy (, rollback)
		if b, _ := os.ReadFile(filepath.Join(h.root, "restarted")); strings.Count(string(b), "restart\n") != n {
			t.Errorf("%s's restart command ran %d times, want %d", h.name, strings.Count(string(b), "restart\n"), n)
		}
	}
}

// checkStaleViews requires the new release farm-wide and checks that
// drones and status show build-2, back on the previous release, as stale
// with the fix, and build-1 not.
func checkStaleViews(f *farm) {
	f.t.Helper()
	f.swarm("config", "set", "farm.require_version", `"`+newRelease+`"`)
	var ds []struct {
		ID           string `json:"id"`
		StaleRelease string `json:"stale_release"`
	}
	f.swarmJSON(&ds, "drones", "--json")
	for _, d := range ds {
		switch stale := strings.Contains(d.StaleRelease, "swarm deploy "+d.ID); {
		case d.ID == "build-2" && !stale:
			f.t.Errorf("drones --json: build-2 on dev is not stale with the fix: %q", d.StaleRelease)
		case d.ID == "build-1" && d.StaleRelease != "":
			f.t.Errorf("drones --json: build-1 on %s is stale: %q", newRelease, d.StaleRelease)
		}
	}
	if out := f.swarm("status"); !strings.Contains(out, "build-2 gets no work: stale release: runs dev, "+
		"the farm requires "+newRelease+"; run 'swarm deploy build-2'") {
		f.t.Errorf("status does not show build-2 as stale:\n%s", out)
	}
}

// TestRemoteBootstrap: `swarm remote bootstrap` on a fresh sshd host (an
// empty folder) admits the drone, installs swarm and its configuration,
// starts it with the remote's restart command and waits for it; the drone
// then registers and builds.
func TestRemoteBootstrap(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.serve()
	h := f.startSSHD("fresh-1", "")
	f.trustHost(h)
	script := fmt.Sprintf(`#!/bin/sh
H=%q
echo restart >> "$H/restarted"
cd "$H/bin" || exit 1
export HOME="$H/home" FAKE_EMERGE_DRONE=%q FAKE_EMERGE_RECORD=%q
nohup ./swarm drone --config drone.toml --log-dir "$H/builds" >>"$H/drone.log" 2>&1 </dev/null &
echo $! >> "$H/pids"
`, h.root, h.name, f.record)
	restart := filepath.Join(h.root, "restart.sh")
	writeFile(t, restart, []byte(script), 0o755)
	t.Cleanup(func() { killPids(filepath.Join(h.root, "pids")) })
	f.addRemote(h, "--restart", "sh "+restart)

	ctx, cancel := context.WithTimeout(context.Background(), deployTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, swarmBin, "--dir", f.root, "remote", "bootstrap", h.name, "--wait", "30s")
	cmd.Env = f.baseEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "fresh-1: bootstrapped") {
		t.Fatalf("remote bootstrap: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(h.bin, "drone.toml")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("drone.toml: %v %v, want mode 0600", fi, err)
	}
	checkDeployed(t, h, "dev")
	atom := realAtoms(t, 3, 1)[0]
	f.enqueue(atom)
	f.waitFor(startTimeout, "fresh-1 to build "+atom, func() (bool, string) {
		runs := readRecord(t, f.record).of(atom)
		return len(runs) == 1 && runs[0].ended && runs[0].status == "0" && runs[0].drone == h.name, fmt.Sprintf("%+v", runs)
	})
	cmd = exec.CommandContext(ctx, swarmBin, "--dir", f.root, "remote", "bootstrap", h.name)
	cmd.Env = f.baseEnv()
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "already admitted") {
		t.Errorf("a second bootstrap of an admitted drone: %v\n%s", err, out)
	}
}

// TestSelfHealingRestartsAnOfflineDrone: with [heal] enabled, the
// orchestrator itself runs the restart command of an offline drone's
// remote over SSH; the drone comes back, and the restart is an event.
func TestSelfHealingRestartsAnOfflineDrone(t *testing.T) {
	t.Parallel()
	f, h := healingFarm(t, "build-7", "5s", 2)

	pid, err := os.ReadFile(filepath.Join(h.root, "drone.pid"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err := syscall.Kill(n, syscall.SIGKILL); err != nil { // the drone dies; its host does not
		t.Fatal(err)
	}
	f.waitEvent(startTimeout, "build-7 offline", func(e event) bool { return e.Type == "drone_offline" && e.Drone == "build-7" })
	f.waitFor(startTimeout, "a self-healing restart of build-7", func() (bool, string) {
		for _, e := range f.logEvents() {
			if e.Type == "drone_restarted" && e.Drone == "build-7" && e.Remote == "build-7" {
				return strings.HasPrefix(e.Reason, "ran: sh "), e.Reason
			}
		}
		return false, "none yet"
	})
	f.waitDroneVersion("build-7", "dev")
	if b, _ := os.ReadFile(filepath.Join(h.root, "restarted")); strings.Count(string(b), "restart\n") < 2 {
		t.Errorf("the restart command did not run on the host: %q", b)
	}
}

// TestSelfHealingRestartsAGroundedDrone: a drone that stays grounded past
// heal.after (here an operator's grounding that runs on) is restarted over
// SSH too, though it still heartbeats. (That a drone online and well is
// left alone is commands.TestHealDue's.)
func TestSelfHealingRestartsAGroundedDrone(t *testing.T) {
	t.Parallel()
	f, h := healingFarm(t, "build-8", "1m", 1)
	f.waitDroneVersion("build-8", "dev")
	f.swarm("ground", "build-8", "--for", "1h", "--reason", "keeps failing")
	f.waitFor(startTimeout, "a self-healing restart of grounded build-8", func() (bool, string) {
		for _, e := range f.logEvents() {
			if e.Type == "drone_restarted" && e.Drone == "build-8" {
				return strings.HasPrefix(e.Reason, "ran: sh "), e.Reason
			}
		}
		return false, "none yet"
	})
	f.waitFor(startTimeout, "the restart command to run on the host", func() (bool, string) {
		b, _ := os.ReadFile(filepath.Join(h.root, "restarted"))
		return strings.Count(string(b), "restart\n") >= 2, string(b)
	})
}

// healingFarm serves a farm with self-healing on (heal.after 1s) and one
// drone host, name, whose remote's restart command starts its drone; the
// drone is running when it returns.
func healingFarm(t *testing.T, name, backoff string, attempts int) (*farm, *sshHost) {
	t.Helper()
	f := newFarm(t, setting{"heal.enabled", "true"}, setting{"heal.after", `"1s"`},
		setting{"heal.backoff", `"` + backoff + `"`}, setting{"heal.restart_attempts", strconv.Itoa(attempts)})
	f.serve()
	h := f.startSSHD(name, "")
	restart := f.droneHost(h, "")
	f.trustHost(h)
	f.addRemote(h, "--restart", "sh "+restart)
	f.startHostDrone(h, restart)
	return f, h
}
