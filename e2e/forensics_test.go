package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The field incidents of DESIGN.md, reproduced against real processes:
// each test runs the incident, checks that `swarm replay --incidents`
// names it, and that `replay --until` shows what a live `status` printed
// at a moment of it. With SWARM_UPDATE_FIXTURES=1 the log is kept under
// testdata/incidents/NAME/ for the CLI's scripts (replay_incidents.txtar).

// incident is an element of `swarm replay --incidents --json`.
type incident struct {
	Kind        string   `json:"kind"`
	Summary     string   `json:"summary"`
	FirstSeq    uint64   `json:"first_seq"`
	Drones      []string `json:"drones"`
	Atoms       []string `json:"atoms"`
	Resolution  string   `json:"resolution"`
	ResolvedSeq uint64   `json:"resolved_seq"`
	Timeline    []struct {
		Seq  uint64 `json:"seq"`
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"timeline"`
}

func (f *farm) incidents(kind string) []incident {
	f.t.Helper()
	var all []incident
	f.swarmJSON(&all, "replay", "--incidents")
	return slices.DeleteFunc(all, func(in incident) bool { return in.Kind != kind })
}

// checkUntil records a live `swarm status --json` and checks that
// `swarm replay --until` its seq shows the same farm.
func (f *farm) checkUntil() {
	f.t.Helper()
	live := f.status()
	var then status
	f.swarmJSON(&then, "replay", "--until", fmt.Sprint(live.Seq))
	if then.Seq != live.Seq || then.Queue != live.Queue || then.Drones.Grounded != live.Drones.Grounded ||
		then.Drones.Building != live.Drones.Building || (then.Paused == nil) != (live.Paused == nil) {
		f.t.Errorf("replay --until %d:\n%+v\nlive status printed:\n%+v", live.Seq, then, live)
	}
}

// keepFixture copies the farm's log and config to testdata/incidents/name
// when SWARM_UPDATE_FIXTURES=1, after stopping the server so that no
// append is caught halfway.
func (f *farm) keepFixture(name string) {
	f.t.Helper()
	if os.Getenv("SWARM_UPDATE_FIXTURES") != "1" {
		return
	}
	f.stopServer()
	dst := filepath.Join(moduleDir, "testdata", "incidents", name)
	if err := os.RemoveAll(dst); err != nil {
		f.t.Fatal(err)
	}
	src := filepath.Join(f.root, ".swarm")
	segs, _ := filepath.Glob(filepath.Join(src, "events", "*.seg"))
	for _, p := range append(segs, filepath.Join(src, "config.toml")) {
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			f.t.Fatal(err)
		}
		if rel == "config.toml" {
			data = redactTokens(data)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, rel), data, 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

// redactTokens zeroes the tokens' hashes: a fixture needs none.
func redactTokens(data []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "token_sha256") {
			l = fmt.Sprintf("token_sha256 = %q", strings.Repeat("0", 64))
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n"))
}

// TestIncidentGroundingStorm: the field's storm. Two of three drones have
// a stale tree and fail every build with a slot conflict; the systemic
// rule needs the whole fleet (systemic_fraction 1), so the breaker grounds
// both. replay --incidents names the storm with both drones; what-if with
// a higher threshold grounds fewer, and with the default systemic rule it
// pauses instead.
func TestIncidentGroundingStorm(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"farm.ground_after", "2"}, setting{"farm.systemic_fraction", "1.0"},
		setting{"farm.fail_after_drones", "3"}, setting{"farm.ground_for", `"1m"`})
	for _, id := range []string{"s1", "s2", "good"} {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 1500, 16)
	f.enqueue(atoms...)
	f.startDrone("good", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=1"}})
	for _, id := range []string{"s1", "s2"} {
		f.startDrone(id, droneOpts{env: append(failWith("*", "slot-conflict.txt"), "FAKE_EMERGE_SECONDS=0.2")})
	}
	for _, id := range []string{"s1", "s2"} {
		f.waitEvent(60*time.Second, id+" grounded", func(e event) bool { return e.Type == "grounded" && e.Drone == id })
	}
	f.checkUntil()
	f.waitSettled(120 * time.Second)
	f.keepFixture("grounding-storm")

	storms := f.incidents("grounding_storm")
	if len(storms) != 1 || !slices.Contains(storms[0].Drones, "s1") || !slices.Contains(storms[0].Drones, "s2") {
		t.Fatalf("replay --incidents: storms %+v; want one naming s1 and s2", storms)
	}
	var higher, systemic whatIf
	f.swarmJSON(&higher, "replay", "--what-if", "ground_after=50")
	if higher.Recorded.Groundings < 2 || higher.WhatIf.Groundings >= higher.Recorded.Groundings {
		t.Errorf("what-if ground_after=50: %+v; want fewer groundings than the %d recorded", higher.WhatIf, higher.Recorded.Groundings)
	}
	f.swarmJSON(&systemic, "replay", "--what-if", "systemic_fraction=0.5")
	if systemic.WhatIf.Pauses != 1 || systemic.WhatIf.Groundings != 0 {
		t.Errorf("what-if systemic_fraction=0.5: %+v; want a pause and no grounding", systemic.WhatIf)
	}
}

// whatIf is `swarm replay --what-if … --json`.
type whatIf struct {
	Recorded, WhatIf struct {
		Groundings, Reclaims, Pauses int
	}
	Differences []string `json:"differences"`
}

func (w *whatIf) UnmarshalJSON(b []byte) error {
	var raw struct {
		Recorded    json.RawMessage `json:"recorded"`
		WhatIf      json.RawMessage `json:"what_if"`
		Differences []string        `json:"differences"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	w.Differences = raw.Differences
	if err := json.Unmarshal(raw.Recorded, &w.Recorded); err != nil {
		return err
	}
	return json.Unmarshal(raw.WhatIf, &w.WhatIf)
}

// TestIncidentSystemicPause: a stale queue makes every build fail alike on
// every drone; the farm pauses, the operator resumes after a fresh look.
func TestIncidentSystemicPause(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	for _, id := range []string{"p1", "p2", "p3"} {
		f.addDrone(id)
	}
	f.serve()
	f.enqueue(realAtoms(t, 1600, 6)...)
	for _, id := range []string{"p1", "p2", "p3"} {
		f.startDrone(id, droneOpts{env: append(failWith("*", "slot-conflict.txt"), "FAKE_EMERGE_SECONDS=0.2")})
	}
	f.waitEvent(60*time.Second, "the farm to pause", func(e event) bool { return e.Type == "queue_paused" })
	f.checkUntil()
	f.swarm("resume")
	f.waitEvent(30*time.Second, "the resume", func(e event) bool { return e.Type == "queue_resumed" })
	f.keepFixture("systemic-pause")

	pauses := f.incidents("systemic_pause")
	if len(pauses) == 0 || !strings.Contains(pauses[0].Summary, "slot") || !strings.Contains(pauses[0].Resolution, "resumed by") {
		t.Fatalf("replay --incidents: %+v; want the systemic pause, resumed", pauses)
	}
	if storms := f.incidents("grounding_storm"); len(storms) > 0 {
		t.Errorf("a systemic pause reported as a storm: %+v", storms)
	}
}

// TestIncidentDeadDroneAndStall: a drone is killed mid-build (its work is
// reclaimed and built by another), and a build that prints nothing is
// failed as stalled and built elsewhere.
func TestIncidentDeadDroneAndStall(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"build.stall_after", `"3s"`})
	for _, id := range []string{"doomed", "quiet", "good"} {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 1700, 2)
	f.enqueue(atoms[0])
	f.startDrone("doomed", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=600"}})
	f.waitEvent(30*time.Second, "doomed to claim", func(e event) bool { return e.Type == "claimed" && e.Drone == "doomed" })
	f.killDrone("doomed")
	f.waitEvent(60*time.Second, "doomed offline", func(e event) bool { return e.Type == "drone_offline" && e.Drone == "doomed" })
	f.checkUntil()
	f.enqueue(atoms[1])
	f.startDrone("quiet", droneOpts{env: []string{"FAKE_EMERGE_HANG=*"}})
	stall := f.waitEvent(60*time.Second, "a stall", func(e event) bool { return e.Type == "failed" && e.Signature == "stalled" })
	f.killDrone("quiet")
	f.startDrone("good", droneOpts{})
	f.waitSettled(120 * time.Second)
	f.keepFixture("dead-drone-and-stall")

	deaths := f.incidents("drone_death")
	if !slices.ContainsFunc(deaths, func(in incident) bool {
		return slices.Contains(in.Drones, "doomed") && slices.Contains(in.Atoms, atoms[0]) && strings.Contains(in.Resolution, "built again")
	}) {
		t.Errorf("replay --incidents: deaths %+v; want doomed's, its package built again", deaths)
	}
	stalls := f.incidents("stall")
	if len(stalls) == 0 || stalls[0].Atoms[0] != stall.Atom || stalls[0].FirstSeq > stall.Seq ||
		!strings.Contains(stalls[len(stalls)-1].Resolution, "built again") {
		t.Errorf("replay --incidents: stalls %+v; want %s's at seq %d, built again", stalls, stall.Atom, stall.Seq)
	}
}

// TestIncidentRejectedUpload: a drone uploads a zero-byte package (the
// field's broken binhost); the orchestrator rejects it, and a good drone
// builds the package again.
func TestIncidentRejectedUpload(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("bad")
	f.addDrone("good")
	f.serve()
	atom := realAtoms(t, 1900, 1)[0]
	f.enqueue(atom)
	f.startDrone("bad", droneOpts{env: []string{"FAKE_EMERGE_BAD_PKG=zero"}})
	f.waitEvent(60*time.Second, "a rejected upload", func(e event) bool { return e.Type == "rejected" && e.Drone == "bad" })
	f.killDrone("bad")
	f.checkUntil()
	f.startDrone("good", droneOpts{})
	f.waitSettled(60 * time.Second)
	f.keepFixture("rejected-upload")

	got := f.incidents("rejected_upload")
	if len(got) == 0 || got[0].Atoms[0] != atom || !slices.Contains(got[0].Drones, "bad") ||
		!strings.Contains(got[len(got)-1].Resolution, "built again") {
		t.Errorf("replay --incidents: %+v; want bad's rejected upload of %s, built again", got, atom)
	}
}
