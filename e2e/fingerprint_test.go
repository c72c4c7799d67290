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

// driftDrone is a row of `swarm drones --json` as far as portage settings go.
type driftDrone struct {
	ID           string `json:"id"`
	Fingerprint  string `json:"fingerprint"`
	PortageDrift []struct {
		Setting string `json:"setting"`
		Drone   string `json:"drone"`
		Farm    string `json:"farm"`
	} `json:"portage_drift"`
}

// portageConfig writes a drone settings file whose portage_info command is
// the emerge --info stand-in, and returns the --config flag for it.
func (f *farm) portageConfig(id string) []string {
	f.t.Helper()
	path := filepath.Join(f.root, "drone-"+id+".toml")
	body := fmt.Sprintf("portage_info = [%q]\n", testdata("fake-emerge-info"))
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return []string{"--config", path}
}

// TestDriftingDroneGetsNoWork: the farm states its CFLAGS in config.toml
// [portage]; a drone whose `emerge --info` (the stand-in, real portage
// output) says -march=native gets no work while status, drones and why
// name CFLAGS with both values; the matching drone builds everything;
// restarted with the farm's CFLAGS, the drone builds.
func TestDriftingDroneGetsNoWork(t *testing.T) {
	t.Parallel()
	const farmCFLAGS, native = "-O2 -pipe", "-O2 -march=native"
	f := newFarm(t, setting{"portage.cflags", fmt.Sprintf("%q", farmCFLAGS)},
		setting{"portage.chost", `"x86_64-pc-linux-gnu"`})
	f.addDrone("good")
	f.addDrone("drift")
	f.serve()
	atoms := realAtoms(t, 0, 4)
	f.enqueue(atoms...)

	f.startDrone("drift", droneOpts{args: f.portageConfig("drift"), env: []string{"FAKE_INFO_CFLAGS=" + native}})
	f.waitOnline("drift")
	want := fmt.Sprintf("CFLAGS: drone %q, farm %q", native, farmCFLAGS)
	f.waitFor(10*time.Second, "drones --json to name drift's CFLAGS", func() (bool, string) {
		var rows []driftDrone
		f.swarmJSON(&rows, "drones")
		for _, r := range rows {
			if r.ID == "drift" && len(r.PortageDrift) == 1 && r.PortageDrift[0].Setting == "CFLAGS" &&
				r.PortageDrift[0].Drone == native && r.PortageDrift[0].Farm == farmCFLAGS && r.Fingerprint != "" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", rows)
	})
	if out := f.swarm("drones"); !strings.Contains(out, "drift gets no work") || !strings.Contains(out, want) {
		t.Errorf("swarm drones has no Drift line naming %s:\n%s", want, out)
	}
	if out := f.swarm("status"); !strings.Contains(out, "Drift:") || !strings.Contains(out, want) {
		t.Errorf("swarm status has no Drift: line naming %s:\n%s", want, out)
	}
	w := f.why(atoms[0])
	if r, ok := w.reason("portage settings differ"); !ok || !slices.Equal(r.Drones, []string{"drift"}) || !strings.Contains(r.Reason, want) {
		t.Errorf("swarm why %s: want a reason naming %s ruling out [drift]; got:\n%s", atoms[0], want, w)
	}
	f.waitAsked(3, "drift")
	noClaims(t, f.events(), 0, "claims while the only drone drifts", func(event) bool { return true })

	// The matching drone builds it all; the drifting one still nothing.
	f.startDrone("good", droneOpts{args: f.portageConfig("good"), env: []string{"FAKE_EMERGE_SECONDS=0.2"}})
	if s := f.waitSettled(60 * time.Second); s.Queue.Built != len(atoms) {
		t.Fatalf("status queue %+v, want all %d built", s.Queue, len(atoms))
	}
	noClaims(t, f.events(), 0, "the drifting drone claimed", func(e event) bool { return e.Drone == "drift" })

	// Fixed: with the good drone gone, the restarted drone builds.
	f.stopDrone("good")
	f.stopDrone("drift")
	more := realAtoms(t, 4, 2)
	f.enqueue(more...)
	f.startDrone("drift", droneOpts{args: f.portageConfig("drift"), env: []string{"FAKE_EMERGE_SECONDS=0.2"}})
	f.waitEvent(startTimeout, "the fixed drone to complete a build", func(e event) bool {
		return e.Type == "completed" && e.Drone == "drift"
	})
	if out := f.swarm("status"); strings.Contains(out, "Drift:") {
		t.Errorf("swarm status still has a Drift: line after the drone was fixed:\n%s", out)
	}
}
