package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
)

// TestIncidentDuplicateClaim: the field's duplicate claim, kept out by the
// fence. A drone is paused (SIGSTOP) mid-build past its lease; its claim
// is reclaimed and given to another drone; resumed (SIGCONT), the first
// drone reports on its old claim and the fence refuses it. replay
// --incidents names the package, both drones and the refused report, and
// the package is built once.
func TestIncidentDuplicateClaim(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("frozen")
	f.addDrone("other")
	f.serve()
	atom := realAtoms(t, 2100, 1)[0]
	f.enqueue(atom)
	f.startDrone("frozen", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=3"}})
	first := f.waitEvent(30*time.Second, "frozen to claim", func(e event) bool { return e.Type == "claimed" && e.Drone == "frozen" })
	f.drone("frozen").signal(syscall.SIGSTOP)
	f.waitEvent(60*time.Second, "the claim reclaimed from frozen", func(e event) bool {
		return e.Type == "reclaimed" && e.Atom == atom && e.Fence == first.Fence
	})
	f.startDrone("other", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=8"}})
	second := f.waitEvent(30*time.Second, "other to claim", func(e event) bool { return e.Type == "claimed" && e.Drone == "other" })
	f.drone("frozen").signal(syscall.SIGCONT)
	refused := f.waitEvent(60*time.Second, "frozen's late report refused", func(e event) bool {
		return e.Type == "report_refused" && e.Drone == "frozen" && e.Fence == first.Fence
	})
	f.checkUntil()
	f.waitSettled(60 * time.Second)
	f.keepFixture("duplicate-claim")

	if n := len(f.events().where(func(e event) bool { return e.Type == "completed" && e.Atom == atom })); n != 1 {
		t.Errorf("%s completed %d times, want once (by other)", atom, n)
	}
	got := f.incidents("duplicate_claim")
	if len(got) != 1 || !slices.Equal(got[0].Drones, []string{"frozen", "other"}) || !slices.Equal(got[0].Atoms, []string{atom}) ||
		got[0].Resolution != "built once, by other" {
		t.Fatalf("replay --incidents: %+v; want frozen's and other's claims on %s, built once by other", got, atom)
	}
	var claims, refusals int
	for _, s := range got[0].Timeline {
		switch {
		case s.Type == "claimed" && (s.Seq == first.Seq || s.Seq == second.Seq):
			claims++
		case s.Type == "report_refused" && s.Seq >= refused.Seq:
			refusals++
		}
	}
	if claims != 2 || refusals == 0 {
		t.Errorf("timeline %+v; want both claims (seq %d, %d) and the refusal at %d", got[0].Timeline, first.Seq, second.Seq, refused.Seq)
	}
}

// TestIncidentRetried: a package fails on one drone (a compile error,
// retried there until the breaker grounds it), then on another (a slot
// conflict), and a third builds it. replay --incidents names it with each
// attempt and its reason; the claims show the same clean atom every time
// (the field's retry string grew it).
func TestIncidentRetried(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"farm.fail_after_drones", "3"})
	for _, id := range []string{"r1", "r2", "r3"} {
		f.addDrone(id)
	}
	f.serve()
	atom := realAtoms(t, 2200, 1)[0]
	f.enqueue(atom)
	f.startDrone("r1", droneOpts{env: failWith("*", "ibus-compile-failure.txt")})
	f.waitEvent(60*time.Second, "r1 grounded", func(e event) bool { return e.Type == "grounded" && e.Drone == "r1" })
	f.killDrone("r1")
	f.startDrone("r2", droneOpts{env: failWith("*", "slot-conflict.txt")})
	f.waitEvent(60*time.Second, "r2 to fail", func(e event) bool { return e.Type == "failed" && e.Drone == "r2" })
	f.killDrone("r2")
	f.checkUntil()
	f.startDrone("r3", droneOpts{})
	f.waitSettled(60 * time.Second)
	f.keepFixture("retried")

	got := f.incidents("retried")
	if len(got) != 1 || !slices.Equal(got[0].Atoms, []string{atom}) || !failedTimes.MatchString(got[0].Summary) ||
		!strings.Contains(got[0].Summary, " on r1") || !strings.Contains(got[0].Summary, " on r2") ||
		!strings.HasPrefix(got[0].Resolution, "built again") {
		t.Fatalf("replay --incidents: %+v; want %s's two failed attempts, built again", got, atom)
	}
	for _, s := range got[0].Timeline {
		if s.Type == "claimed" && !strings.HasPrefix(s.Text, atom+" claimed by") {
			t.Errorf("a retry's claim is not of the clean atom: %q", s.Text)
		}
	}
}

// TestIncidentDeploySkew: two real drones on different releases (the
// second binary is built as release newRelease) stay online together past
// the skew grace; replay --incidents names the skew with both drones and
// both releases.
func TestIncidentDeploySkew(t *testing.T) {
	t.Parallel()
	newBin := newSwarmBin(t)
	f := newFarm(t)
	f.addDrone("old")
	f.addDrone("new")
	f.serve()
	f.startDrone("old", droneOpts{})
	f.startDrone("new", droneOpts{bin: newBin})
	for _, id := range []string{"old", "new"} {
		f.waitEvent(30*time.Second, id+" registered", func(e event) bool { return e.Type == "drone_registered" && e.Actor == id })
	}
	f.checkUntil()
	f.keepFixture("deploy-skew")

	got := f.incidents("deploy_skew")
	if len(got) != 1 || !slices.Contains(got[0].Drones, "old") || !slices.Contains(got[0].Drones, "new") ||
		!strings.Contains(got[0].Summary, "new on "+newRelease) || !strings.Contains(got[0].Summary, "old on dev") ||
		got[0].Resolution != "" {
		t.Fatalf("replay --incidents: %+v; want an open skew of old on dev and new on %s", got, newRelease)
	}
}

// failedTimes is a retried incident's count of failed attempts (two or
// more).
var failedTimes = regexp.MustCompile(`failed ([2-9]|\d\d+) times`)

// TestIncidentConfigChange: the field's drift, recorded. The farm first
// serves with ground_after 5; stopped, the operator sets ground_after 2
// (recorded as config_changed) and serves again; a drone failing every
// build is grounded after two. replay --incidents names the rule change
// and the grounding under it. Then config.toml is edited back to 5 by
// hand, unrecorded: --what-if still judges the history by the 2 in force
// then (the grounding is reproduced), where today's file would not.
func TestIncidentConfigChange(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"farm.systemic_fraction", "1.0"})
	f.addDrone("flaky")
	f.addDrone("good")
	f.serve()
	f.waitEvent(30*time.Second, "serve to record its settings", func(e event) bool { return e.Type == "config_changed" })
	f.stopServer()
	f.swarm("config", "set", "farm.ground_after", "2")
	f.serve()
	f.enqueue(realAtoms(t, 2300, 6)...)
	f.startDrone("flaky", droneOpts{env: failWith("*", "ibus-compile-failure.txt")})
	f.waitEvent(60*time.Second, "flaky grounded", func(e event) bool { return e.Type == "grounded" && e.Drone == "flaky" })
	f.checkUntil()
	f.startDrone("good", droneOpts{})
	f.waitSettled(60 * time.Second)
	f.keepFixture("config-change")

	changes := f.incidents("config_change")
	grounded := false
	for _, in := range changes {
		for _, s := range in.Timeline {
			grounded = grounded || (s.Type == "grounded" && strings.HasPrefix(s.Text, "flaky grounded"))
		}
	}
	if len(changes) != 1 || !strings.Contains(changes[0].Summary, "farm.ground_after 5 → 2") || !grounded {
		t.Fatalf("replay --incidents: %+v; want ground_after 5 → 2 and flaky's grounding under it", changes)
	}
	path := filepath.Join(f.root, ".swarm", "config.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "ground_after = 2", "ground_after = 5", 1)
	if edited == string(data) {
		t.Fatalf("config.toml does not say ground_after = 2:\n%s", data)
	}
	writeFile(t, path, []byte(edited), 0o644)
	var same whatIf
	f.swarmJSON(&same, "replay", "--what-if", "systemic_fraction=1.0")
	if same.Recorded.Groundings == 0 || same.WhatIf.Groundings != same.Recorded.Groundings {
		t.Errorf("what-if with the recorded settings: %+v; want the %d recorded groundings, judged by ground_after 2 in force then",
			same, same.Recorded.Groundings)
	}
}

// TestHandEditWhileServingIsRecorded: config.toml edited by hand while
// the farm serves is recorded by the server (config_changed, "edited
// while serving"), so the log knows the settings in force before the
// next start; a change made with swarm config set is recorded once, not
// again by the server.
func TestHandEditWhileServingIsRecorded(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.serve()
	f.waitEvent(30*time.Second, "serve to record its settings", func(e event) bool { return e.Type == "config_changed" })
	path := filepath.Join(f.root, ".swarm", "config.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := config.Set(data, "farm.ground_after", "7")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, edited, 0o644)
	hand := f.waitEvent(60*time.Second, "the hand edit recorded", func(e event) bool {
		return e.Type == "config_changed" && e.Actor == "orchestrator" && strings.Contains(e.Reason, "edited while serving")
	})
	f.swarm("config", "set", "farm.ground_after", "4")
	f.waitEvent(30*time.Second, "the config set recorded", func(e event) bool {
		return e.Type == "config_changed" && e.Seq > hand.Seq
	})
	// The server records a difference only after it persisted a while:
	// wait until it has had that chance (a later hand edit recorded),
	// then count the records of the set.
	data, _ = os.ReadFile(path)
	edited, _ = config.Set(data, "farm.ground_for", `"7m"`)
	writeFile(t, path, edited, 0o644)
	last := f.waitEvent(60*time.Second, "a second hand edit recorded", func(e event) bool {
		return e.Type == "config_changed" && e.Actor == "orchestrator" && e.Seq > hand.Seq
	})
	var changes []string
	for _, e := range f.events().after(hand.Seq) {
		if e.Type == "config_changed" && e.Seq < last.Seq {
			changes = append(changes, e.Actor+": "+e.Reason)
		}
	}
	if len(changes) != 1 {
		t.Errorf("swarm config set while serving recorded %d times: %v; want once", len(changes), changes)
	}
}

// TestIncidentUnpromoted: the field's 690 MB in staging. A drone's emerge
// builds two packages but leaves no binary package where the drone hands
// packages over (its PKGDIR misconfigured), so both are completed with
// nothing promoted. A minute on, the live status names them as built but
// not promoted; the operator fixes the drone, restarts it and enqueues them
// again, and it builds and promotes both. replay --incidents names the two
// packages, the drone, and the promotions that ended it.
func TestIncidentUnpromoted(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("stray")
	f.serve()
	atoms := realAtoms(t, 2300, 2)
	f.enqueue(atoms...)
	f.startDrone("stray", droneOpts{env: []string{"FAKE_EMERGE_NO_PKG=*"}})
	f.waitSettled(60 * time.Second)
	var live struct {
		Unpromoted []struct {
			Atom   string `json:"atom"`
			Reason string `json:"reason"`
		} `json:"unpromoted"`
	}
	f.waitFor(2*commands.PromoteWithin, "status to name both packages as built but not promoted", func() (bool, string) {
		f.swarmJSON(&live, "status")
		return len(live.Unpromoted) == 2, fmt.Sprintf("unpromoted %+v", live.Unpromoted)
	})
	if out := f.swarm("status"); !strings.Contains(out, "no binary package of it is in the index") {
		t.Errorf("swarm status does not say why:\n%s", out)
	}
	f.checkUntil()
	f.killDrone("stray")
	f.startDrone("stray", droneOpts{}) // fixed: its builds leave their packages
	f.enqueue(atoms...)
	f.waitPromoted(atoms, 1)
	f.waitSettled(60 * time.Second)
	f.keepFixture("unpromoted")

	got := f.incidents("unpromoted")
	if len(got) != 1 || !slices.Equal(got[0].Atoms, atoms) || !slices.Equal(got[0].Drones, []string{"stray"}) ||
		!strings.HasPrefix(got[0].Summary, "2 packages built but not promoted") ||
		!strings.HasPrefix(got[0].Resolution, "built again and promoted") {
		t.Fatalf("replay --incidents: %+v; want %v built by stray without packages, promoted after a rebuild", got, atoms)
	}
	var completions, promotions int
	for _, s := range got[0].Timeline {
		switch s.Type {
		case "completed":
			completions++
		case "promoted":
			promotions++
		}
	}
	if completions != 2 || promotions != 2 {
		t.Errorf("timeline %+v; want both completions without a package and both promotions", got[0].Timeline)
	}
}
