package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestExcludedNeverClaimed: a package excluded for the whole farm is never
// claimed over a full drain, and one excluded on drone d1 only is never
// claimed by d1 but is built by d2. `exclude list --json` shows both.
func TestExcludedNeverClaimed(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	ids := []string{"d1", "d2"}
	for _, id := range ids {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 2100, 14)
	global, onD1 := atoms[2], atoms[5]
	globalPattern, onD1Pattern := catName(t, global), catName(t, onD1)
	f.enqueue(atoms...)
	f.swarm("exclude", "add", globalPattern, "--reason", "e2e: never build it")
	f.swarm("exclude", "add", onD1Pattern, "--drone", "d1", "--reason", "e2e: not on d1")

	var rows []struct {
		Pattern string `json:"pattern"`
		Drone   string `json:"drone"`
		Reason  string `json:"reason"`
		Source  string `json:"source"`
	}
	out := f.swarm("exclude", "list", "--json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("swarm exclude list --json: %v\n%s", err, out)
	}
	var sawGlobal, sawD1 bool
	for _, r := range rows {
		sawGlobal = sawGlobal || (r.Pattern == globalPattern && r.Drone == "" && r.Reason == "e2e: never build it")
		sawD1 = sawD1 || (r.Pattern == onD1Pattern && r.Drone == "d1" && r.Reason == "e2e: not on d1")
	}
	if !sawGlobal || !sawD1 || len(rows) != 2 {
		t.Errorf("swarm exclude list --json:\n%s\nwant exactly %s (everywhere) and %s (on d1), with their reasons",
			out, globalPattern, onD1Pattern)
	}

	// d1 starts first and alone for a moment, so it has every chance to
	// take the package excluded on it.
	f.startDrone("d1", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=0.1"}})
	f.waitEvent(startTimeout, "d1 to claim", func(e event) bool { return e.Type == "claimed" && e.Drone == "d1" })
	f.waitAsked(3, "d1")
	f.startDrone("d2", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=0.1"}})
	s := f.waitSettled(60 * time.Second)
	if s.Queue.Built != len(atoms)-1 || s.Queue.Excluded != 1 {
		t.Errorf("status queue %+v, want %d built and 1 excluded", s.Queue, len(atoms)-1)
	}
	if r, _ := rowOf(f.queue(), global); r.State != "excluded" {
		t.Errorf("queue row of %s: %+v, want excluded", global, r)
	}
	evs := f.events()
	noClaims(t, evs, 0, "the globally excluded "+global+" was claimed", func(e event) bool { return e.Atom == global })
	noClaims(t, evs, 0, "d1 claimed "+onD1+", excluded on it", func(e event) bool {
		return e.Atom == onD1 && e.Drone == "d1"
	})
	if done, ok := evs.ofType("completed").about(onD1).first(); !ok || done.Drone != "d2" {
		t.Errorf("%s (excluded on d1 only): completed as %v, want by d2; its events:\n%s", onD1, done, evs.about(onD1))
	}
	if w := f.why(global); w.State != "excluded" || !whySays(w, globalPattern) {
		t.Errorf("swarm why %s: want it excluded by %q; got:\n%s", global, globalPattern, w)
	}
}

// catName returns the cat/name of a package version (cat/name-1.2-r1).
func catName(t testing.TB, cpv string) string {
	t.Helper()
	cat, pv, ok := strings.Cut(cpv, "/")
	if !ok {
		t.Fatalf("%q is not cat/name-version", cpv)
	}
	// The version starts at the first "-" followed by a digit.
	for i := 0; i+1 < len(pv); i++ {
		if pv[i] == '-' && pv[i+1] >= '0' && pv[i+1] <= '9' {
			return cat + "/" + pv[:i]
		}
	}
	t.Fatalf("%q has no version", cpv)
	return ""
}
