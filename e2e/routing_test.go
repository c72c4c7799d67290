package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const cuda = "dev-util/nvidia-cuda-toolkit-12.4.1"

// TestCapabilityRouting: a package whose rule needs "cuda" waits blocked,
// saying why, while plain drones build everything else; once a drone with
// "cuda" is admitted and starts, the package is built there, and no plain
// drone ever claims it.
//
// The rule is set with the key unquoted
// (capabilities.packages.dev-util/nvidia-cuda-toolkit): the TOML form with a
// quoted segment does not work, see TestConfigSetQuotedKeySegment.
func TestCapabilityRouting(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"capabilities.packages.dev-util/nvidia-cuda-toolkit", `["cuda"]`})
	if got := f.swarm("config", "get", "capabilities.packages.dev-util/nvidia-cuda-toolkit"); strings.TrimSpace(got) != `["cuda"]` {
		t.Fatalf("config get of the cuda rule: %q, want [\"cuda\"]", got)
	}
	plain := []string{"p1", "p2"}
	for _, id := range plain {
		f.addDrone(id)
	}
	f.serve()
	others := realAtoms(t, 2000, 8)
	f.enqueue(append([]string{cuda}, others...)...)
	for _, id := range plain {
		f.startDrone(id, droneOpts{env: []string{"FAKE_EMERGE_SECONDS=0.1"}})
	}

	f.waitFor(60*time.Second, "every package but the cuda one built", func() (bool, string) {
		s := f.status()
		return s.Queue.Built == len(others), fmt.Sprintf("queue %+v", s.Queue)
	})
	s := f.status()
	if s.Queue.Blocked != 1 || s.Queue.Needed != 0 || s.Queue.Building != 0 {
		t.Errorf("status queue %+v, want the cuda package alone blocked", s.Queue)
	}
	if r, _ := rowOf(f.queue(), cuda); r.State != "blocked" {
		t.Errorf("queue row of %s: %+v, want blocked", cuda, r)
	}
	if w := f.why(cuda); w.State != "blocked" || !whySays(w, "capabilities [cuda]") {
		t.Errorf("swarm why %s: want it blocked, needing capabilities [cuda]; got:\n%s", cuda, w)
	}
	f.waitAsked(3, plain...) // the plain drones, idle, keep asking
	noClaims(t, f.events(), 0, "the blocked cuda package was claimed", func(e event) bool { return e.Atom == cuda })

	f.addDrone("gpu", "--capability", "cuda")
	f.startDrone("gpu", droneOpts{args: []string{"--capability", "cuda"}})
	done := f.waitEvent(30*time.Second, cuda+" completed", func(e event) bool {
		return e.Type == "completed" && e.Atom == cuda
	})
	if done.Drone != "gpu" {
		t.Errorf("%s completed by %s, want gpu: %s", cuda, done.Drone, done)
	}
	evs := f.events()
	noClaims(t, evs, 0, "a drone without cuda claimed "+cuda, func(e event) bool {
		return e.Atom == cuda && e.Drone != "gpu"
	})
	if c := evs.ofType("claimed").about(cuda); len(c) != 1 {
		t.Errorf("%s claimed %d times, want once (by gpu):\n%s", cuda, len(c), c)
	}
	if s := f.status(); s.Queue.Built != len(others)+1 || s.Queue.Blocked != 0 {
		t.Errorf("status queue %+v, want all %d built, none blocked", s.Queue, len(others)+1)
	}
	for _, e := range evs.ofType("completed") {
		if e.Atom != cuda && !slices.Contains(plain, e.Drone) && e.Drone != "gpu" {
			t.Errorf("completed by an unknown drone: %s", e)
		}
	}
}

// TestConfigCapabilityRules: the capability rules of config.toml through
// `swarm config`, as an operator writes and reads them.
//
// TOML writes a key that holds a '/' or a '.' as a quoted segment of a
// dotted key, and a rule for one version (cat/name-1.2) can be written no
// other way: `swarm config set` must take the segment as the key it
// quotes, not as a key that holds quote characters (a rule that matches
// nothing, accepted in silence). And `swarm config get` of the table must
// print its rules (CLI.md: exit 0, or 1 with a one-line reason; never a
// stack trace).
func TestConfigCapabilityRules(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	key := `capabilities.packages."dev-util/nvidia-cuda-toolkit"`
	f.swarm("config", "set", key, `["cuda"]`)
	f.enqueue(cuda)
	if r, _ := rowOf(f.queue(), cuda); r.State != "blocked" {
		t.Errorf("after swarm config set '%s' '[\"cuda\"]', %s is %q, want blocked (needing cuda); "+
			"config.toml's rules:\n%s", key, cuda, r.State, rulesOf(t, f))
	}

	g := newFarm(t, setting{"capabilities.packages.dev-util/nvidia-cuda-toolkit", `["cuda"]`})
	out, errOut, code := g.run("config", "get", "capabilities.packages")
	if code != 0 || !strings.Contains(out, "dev-util/nvidia-cuda-toolkit") || !strings.Contains(out, "cuda") {
		t.Errorf("swarm config get capabilities.packages: exit %d, want 0 and the rule of config.toml:\n%s\n"+
			"stdout:\n%s\nstderr:\n%s", code, rulesOf(t, g), out, tailLines(errOut, 8))
	}
}

// rulesOf returns the lines of config.toml under [capabilities.packages].
func rulesOf(t testing.TB, f *farm) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.root, ".swarm", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	in := false
	for line := range strings.Lines(string(data)) {
		if strings.HasPrefix(line, "[") {
			in = strings.HasPrefix(line, "[capabilities.packages]")
		}
		if in {
			b.WriteString(line)
		}
	}
	return b.String()
}

// whySays reports whether any reason of w contains s.
func whySays(w whyAnswer, s string) bool {
	for _, r := range w.Reasons {
		if strings.Contains(r.Reason, s) {
			return true
		}
	}
	return false
}
