package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/portage"
)

// farmPortage is what the test farm's config.toml [portage] states.
var farmPortage = portage.Settings{"CHOST": "x86_64-pc-linux-gnu", "CFLAGS": "-O2 -pipe", "USE": "ssl amd64"}

// droneSettings is a drone's report: the farm's settings, with over on top.
func droneSettings(over map[string]string) portage.Settings {
	s := portage.Settings{"profile": "default/linux/amd64/23.0", "CHOST": "x86_64-pc-linux-gnu",
		"CFLAGS": "-O2 -pipe", "USE": "amd64 ssl", "LDFLAGS": "-Wl,-O1"}
	for k, v := range over {
		s[k] = v
	}
	return s
}

// A drone whose portage settings differ from the farm's gets no work; why,
// the dispatcher and Drifting name the setting with both values; the
// matching drone builds; once the drone reports the farm's settings it
// gets work.
func TestDriftingDroneGetsNoWork(t *testing.T) {
	f := newTestFarm(t)
	f.r.Portage = farmPortage
	exec(t, f.s, Register(DroneInfo{ID: "good", Cores: 8, Portage: droneSettings(nil)}, nil, nil))
	exec(t, f.s, Register(DroneInfo{ID: "native", Cores: 16,
		Portage: droneSettings(map[string]string{"CFLAGS": "-O2 -march=native"})}, nil, nil))
	atoms := f.enqueue(2)

	const diff = `CFLAGS: drone "-O2 -march=native", farm "-O2 -pipe"`
	g := f.dispatch("native")[0]
	if g.Atom != "" || !strings.Contains(g.Reason, diff) {
		t.Fatalf("drifting drone: %+v", g)
	}
	why, err := Why(f.r, f.state(), atoms[0], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range why.Reasons {
		found = found || strings.Contains(w.Reason, diff) && len(w.Drones) == 1 && w.Drones[0] == "native"
	}
	if !found || len(why.Able) != 1 || why.Able[0] != "good" {
		t.Fatalf("why: %+v", why)
	}
	drift := Drifting(f.r, f.state())
	if len(drift) != 1 || drift[0].ID != "native" || len(drift[0].Differs) != 1 || drift[0].Differs[0].String() != diff {
		t.Fatalf("drifting: %+v", drift)
	}
	if g := f.claim("good"); g.Atom != atoms[0] {
		t.Fatalf("matching drone got %+v", g)
	}

	// Fixed: a heartbeat with the farm's settings (or a restart) lets it work.
	exec(t, f.s, Heartbeat(f.r, time.Now(), "native", Beat{Health: "healthy", Portage: droneSettings(nil)}, nil))
	if d := Drifting(f.r, f.state()); len(d) != 0 {
		t.Fatalf("still drifting: %+v", d)
	}
	if g := f.claim("native"); g.Atom != atoms[1] {
		t.Fatalf("fixed drone got %+v", g)
	}
}

// Only the settings the farm states count, sets compare as sets, a drone
// that reports nothing differs in each stated setting, and a farm that
// states none compares nothing.
func TestPortageDrift(t *testing.T) {
	f := newTestFarm(t)
	exec(t, f.s, Register(DroneInfo{ID: "silent", Cores: 8}, nil, nil))
	exec(t, f.s, Register(DroneInfo{ID: "other", Cores: 8,
		Portage: droneSettings(map[string]string{"LDFLAGS": "-Wl,--as-needed", "USE": "ssl  amd64", "CHOST": "aarch64-unknown-linux-gnu"})}, nil, nil))
	if d := Drifting(f.r, f.state()); len(d) != 0 {
		t.Fatalf("a farm that states nothing: %+v", d)
	}
	f.r.Portage = farmPortage
	st := f.state()
	other, _ := st.Drone("other")
	if d := PortageDrift(f.r, &other); len(d) != 1 || d[0].Setting != "CHOST" {
		t.Fatalf("other: %+v", d)
	}
	silent, _ := st.Drone("silent")
	d := PortageDrift(f.r, &silent)
	if len(d) != 3 || !d[0].Unreported || !strings.Contains(DriftLine(d), `CHOST: drone not reported, farm "x86_64-pc-linux-gnu"`) {
		t.Fatalf("silent: %+v", d)
	}
}

// A promoted package records the portage settings it was built with.
func TestPromotedRecordsFingerprint(t *testing.T) {
	const atom = "app-misc/hello-1.0"
	s := openStore(t, t.TempDir())
	exec(t, s, Enqueue(ActorOperator, []string{atom}))
	settings := droneSettings(nil)
	exec(t, s, Register(DroneInfo{ID: "d1", Cores: 4, Portage: settings}, nil, nil))
	fence := exec(t, s, Claim(DefaultRules(), time.Now(), "d1", atom)).Events[0].Fence
	pr := Promotion{Upload: Binpkg{SHA256: "aa", Size: 5}, CPV: atom, BuildID: 1, Path: "p", FileSHA256: "bb", Size: 7}
	out := exec(t, s, Promote("d1", atom, fence, pr))
	if got := out.Events[1].Fingerprint; got == "" || got != settings.Fingerprint() {
		t.Fatalf("promoted fingerprint %q, want %q", got, settings.Fingerprint())
	}
}
