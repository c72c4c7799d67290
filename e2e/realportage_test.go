package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/internal/testenv"
)

// The real-portage tests: real `emerge --buildpkg` (portage 3.0.83 from
// PyPI, in the venv scripts/portage-venv.sh makes) as the drones' build
// command, and a stock portage client installing from the farm's binhost.
// Everything runs on the tiny EAPI 8 repository `farm` that
// portage/gpkg/testdata/realportage/make-repo.sh writes: app-misc/hello-1.0,
// app-misc/greeter-2.1 (RDEPEND on hello) and app-misc/broken-0.1 (dies in
// src_compile). Each package is built once; the client checks share one
// prefix. Without the venv the test fails saying how to make it.

// realBuildTimeout bounds the farm's whole run: three packages (broken
// twice, on two drones) at a few seconds of CPU each, on a loaded machine.
const realBuildTimeout = 5 * time.Minute

// realPortage is what the real-portage test works with.
type realPortage struct {
	venv    string // the venv holding portage
	work    string // a folder every user may traverse (portage runs gpg as nobody)
	repo    string // the `farm` ebuild repository, with its md5-cache
	scripts string // make-repo.sh, setup-prefix.sh
}

func newRealPortage(t *testing.T) *realPortage {
	t.Helper()
	venv, err := testenv.PortageVenv()
	if err != nil {
		t.Fatal(err)
	}
	rp := &realPortage{venv: venv, work: openTempDir(t),
		scripts: filepath.Join(moduleDir, "portage", "gpkg", "testdata", "realportage")}
	rp.repo = filepath.Join(rp.work, "repo")
	rp.run(t, "bash", filepath.Join(rp.scripts, "make-repo.sh"), rp.repo)
	plan := rp.prefix(t, "plan")
	rp.inPrefix(t, plan, "egencache", "--repositories-configuration", rp.reposConf(t, plan), "--update", "--repo", "farm")
	return rp
}

// prefix makes a portage prefix named name (setup-prefix.sh) with extra
// make.conf lines and returns its path.
func (rp *realPortage) prefix(t *testing.T, name string, makeConf ...string) string {
	t.Helper()
	ep := filepath.Join(rp.work, name)
	rp.run(t, "bash", append([]string{filepath.Join(rp.scripts, "setup-prefix.sh"), ep, rp.repo,
		filepath.Join(rp.venv, "share", "portage", "config")}, makeConf...)...)
	return ep
}

func (rp *realPortage) reposConf(t *testing.T, ep string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(ep, "etc", "portage", "repos.conf", "farm.conf"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// inPrefix runs a portage tool of the venv in prefix ep and returns its
// output; the tool must succeed.
func (rp *realPortage) inPrefix(t *testing.T, ep, tool string, args ...string) string {
	t.Helper()
	out, err := rp.try(ep, tool, args...)
	if err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", tool, strings.Join(args, " "), ep, err, out)
	}
	return out
}

// try runs a portage tool of the venv in prefix ep (its env.sh sourced).
func (rp *realPortage) try(ep, tool string, args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{"-c", `. "$0/env.sh" && exec "$@"`, ep,
		filepath.Join(rp.venv, "bin", tool)}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (rp *realPortage) run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// openTempDir is t.TempDir made traversable by every user: portage runs
// gpg as nobody, which needs o+x on every folder above its gnupg home.
func openTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rawEvents returns the events of one type as `swarm log --json` prints
// them, every field kept.
func (f *farm) rawEvents(typ string) []map[string]any {
	f.t.Helper()
	var evs []map[string]any
	for line := range strings.Lines(f.swarm("log", "--json", "--type", typ)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			f.t.Fatalf("swarm log --json: %v in %q", err, line)
		}
		evs = append(evs, e)
	}
	return evs
}

// str is a string field of a raw event ("" if absent).
func str(e map[string]any, key string) string {
	s, _ := e[key].(string)
	return s
}

// TestRealPortage: drones run real `emerge --buildpkg` through a real
// orchestrator; the good packages are uploaded, verified, renumbered,
// signed and promoted, greeter's build fetches hello from the farm instead
// of building it, broken fails with portage's own error text; then a stock
// portage client set up only by `swarm binhost client-config` installs
// greeter and hello, and refuses a package changed after promotion and
// index entries with a wrong SIZE or SHA1, each with portage's message.
func TestRealPortage(t *testing.T) {
	t.Parallel()
	rp := newRealPortage(t)
	f := newFarm(t, setting{"build.command", fmt.Sprintf(`[%q, "emerge", "--oneshot", "--buildpkg", "--usepkg", "--getbinpkg", "={atom}"]`,
		testdata("portage-build"))})
	f.serve()
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
	f.waitFor(realBuildTimeout, "hello and greeter built, broken failed", func() (bool, string) {
		state := map[string]string{}
		for _, r := range f.queue() {
			state[r.Atom] = r.State
		}
		good := state["app-misc/hello-1.0"] == "built" && state["app-misc/greeter-2.1"] == "built"
		bad := state["app-misc/hello-1.0"] == "failed" || state["app-misc/greeter-2.1"] == "failed"
		return (good && state["app-misc/broken-0.1"] == "failed") || bad, fmt.Sprint(state)
	})
	for _, r := range f.queue() {
		if r.State == "failed" && r.Atom != "app-misc/broken-0.1" {
			t.Fatalf("%s failed: %s (its build logs are in %s)", r.Atom, r.LastFailure, filepath.Join(f.root, "builds"))
		}
	}
	promoted := checkPromoted(t, f)
	checkBroken(t, f)
	checkGreeterFetchedHello(t, f)
	checkClient(t, f, rp, promoted)
}
