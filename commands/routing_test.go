package commands

import (
	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/portage"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

func TestRoutingRequires(t *testing.T) {
	r := Routing{
		Packages: map[string][]string{"dev-util/nvidia-cuda-toolkit": {"cuda"}, "*/*-bin": {}, "dev-util/*": {"amd64"}},
		USE:      map[string][]string{"abi_x86_32": {"multilib"}},
	}
	for _, tc := range []struct {
		atom string
		use  []string
		want string
	}{
		{"dev-util/nvidia-cuda-toolkit-12.4.1", nil, "amd64,cuda"},
		{"www-client/firefox-bin-128.0", nil, ""},
		{"media-libs/mesa-24.1.0", []string{"abi_x86_32", "llvm"}, "multilib"},
		{"dev-lang/perl-5.40.0", nil, ""},
	} {
		if got := strings.Join(r.Requires(tc.atom, tc.use, nil), ","); got != tc.want {
			t.Errorf("Requires(%s, %v) = %q, want %q", tc.atom, tc.use, got, tc.want)
		}
	}
	// Keywords: one arch's capability suffices; "*" fits every drone.
	r.Keywords = map[string][]string{"amd64": {"amd64"}, "arm64": {"arm64"}}
	for _, tc := range []struct {
		keywords []string
		want     string
	}{
		{[]string{"amd64", "~arm64", "~x86"}, "amd64|arm64"},
		{[]string{"~arm64"}, "arm64"},
		{[]string{"*"}, ""},
		{[]string{"~ppc"}, ""},
		{nil, ""},
	} {
		if got := strings.Join(r.Requires("dev-lang/perl-5.40.0", nil, tc.keywords), ","); got != tc.want {
			t.Errorf("keywords %v: %q, want %q", tc.keywords, got, tc.want)
		}
	}
	arm := projections.Drone{Capabilities: []string{"arm64", "cuda"}}
	for need, want := range map[string]bool{"amd64|arm64": true, "amd64": false, "amd64|arm64,cuda": true, "amd64|arm64,lto": false} {
		if got := arm.Can(strings.Split(need, ",")); got != want {
			t.Errorf("arm64+cuda drone Can(%s) = %v", need, got)
		}
	}
}

// A package needing a capability no drone has is blocked, not offered; when
// a capable drone registers it is needed again and goes only there.
func TestCapabilityRoutingAndBlocked(t *testing.T) {
	f := newTestFarm(t, "plain")
	routing := Routing{Packages: map[string][]string{"dev-util/nvidia-cuda-toolkit": {"cuda"}}}
	exec(t, f.s, EnqueueRouted(ActorOperator, []string{"dev-util/nvidia-cuda-toolkit-12.4.1", "dev-lang/perl-5.40.0"}, routing))
	st := f.state()
	if p, _ := st.Package("dev-util/nvidia-cuda-toolkit-12.4.1"); p.State != projections.Blocked {
		t.Fatalf("cuda package is %s, want blocked", p.State)
	}
	why, err := Why(f.r, st, "dev-util/nvidia-cuda-toolkit-12.4.1", time.Now())
	if err != nil || !strings.Contains(why.Reasons[0].Reason, "needs capabilities [cuda]") {
		t.Fatalf("why: %+v %v", why, err)
	}
	if g := f.claim("plain"); g.Atom != "dev-lang/perl-5.40.0" {
		t.Fatalf("plain drone got %s", g.Atom)
	}
	exec(t, f.s, Register(DroneInfo{ID: "gpu", Capabilities: []string{"cuda"}}, nil, nil))
	if g := f.dispatch("plain")[0]; g.Atom != "" {
		t.Fatalf("the plain drone got %s", g.Atom)
	}
	if g := f.claim("gpu"); g.Atom != "dev-util/nvidia-cuda-toolkit-12.4.1" {
		t.Fatalf("gpu drone got %s", g.Atom)
	}
}

// A drone on another portage tree than the queue's gets no work, and why
// says so.
func TestStaleTreeDroneGetsNoWork(t *testing.T) {
	f := newTestFarm(t, "fresh1", "stale1")
	exec(t, f.s, func(*projections.State) ([]events.Event, error) {
		return []events.Event{{Type: events.TypeFreshCompleted, Actor: ActorOperator, Tree: "2026-11-23T00:45Z"}}, nil
	})
	exec(t, f.s, Register(DroneInfo{ID: "fresh1", Tree: "2026-11-23T00:45Z"}, nil, nil))
	exec(t, f.s, Register(DroneInfo{ID: "stale1", Tree: "2026-11-01T00:00Z"}, nil, nil))
	atoms := f.enqueue(2)
	g := f.dispatch("stale1")[0]
	if g.Atom != "" || !strings.Contains(g.Reason, "stale tree: the drone has 2026-11-01T00:00Z") {
		t.Fatalf("stale drone: %+v", g)
	}
	why, _ := Why(f.r, f.state(), atoms[0], time.Now())
	found := false
	for _, w := range why.Reasons {
		found = found || (strings.HasPrefix(w.Reason, "stale tree") && len(w.Drones) == 1 && w.Drones[0] == "stale1")
	}
	if !found || len(why.Able) != 1 || why.Able[0] != "fresh1" {
		t.Fatalf("why: %+v", why)
	}
	if g := f.claim("fresh1"); g.Atom != atoms[0] {
		t.Fatalf("fresh drone got %+v", g)
	}
}

func TestExcludeInclude(t *testing.T) {
	f := newTestFarm(t, "a", "b")
	atoms := f.enqueue(3)
	exec(t, f.s, Exclude(ActorOperator, "dev-libs/pkg0", "", "broken upstream"))
	exec(t, f.s, Exclude(ActorOperator, "dev-libs/pkg1", "a", "too big for a"))
	if _, err := f.s.Execute(t.Context(), Exclude(ActorOperator, "dev-libs/pkg0", "", "")); err == nil {
		t.Fatal("the same exclusion twice was accepted")
	}
	if _, err := f.s.Execute(t.Context(), Exclude(ActorOperator, "no-category", "", "")); err == nil {
		t.Fatal("a pattern without a category was accepted")
	}
	if g := f.claim("a"); g.Atom != atoms[2] {
		t.Fatalf("a got %s, want %s (pkg0 excluded, pkg1 excluded on a)", g.Atom, atoms[2])
	}
	if g := f.claim("b"); g.Atom != atoms[1] {
		t.Fatalf("b got %s", g.Atom)
	}
	why, _ := Why(f.r, f.state(), atoms[0], time.Now())
	if why.State != projections.Excluded || !strings.Contains(why.Reasons[0].Reason, "broken upstream") {
		t.Fatalf("why excluded: %+v", why)
	}
	exec(t, f.s, Include(ActorOperator, "dev-libs/pkg0", ""))
	if _, err := f.s.Execute(t.Context(), Include(ActorOperator, "dev-libs/pkg0", "")); err == nil {
		t.Fatal("removing a missing exclusion was accepted")
	}
	if p, _ := f.state().Package(atoms[0]); p.State != projections.Needed {
		t.Fatalf("after include: %s", p.State)
	}
	// config.toml's [exclude] patterns are never dispatched.
	f.r.Exclude = []string{"dev-libs/*"}
	if g := f.dispatch("a")[0]; g.Atom != "" {
		t.Fatalf("config-excluded package dispatched: %+v", g)
	}
}

// A package that ran out of memory goes next to a drone with more memory.
func TestOOMGoesToBiggerDrone(t *testing.T) {
	f := newTestFarm(t)
	exec(t, f.s, Register(DroneInfo{ID: "small", MemoryMB: 8192}, nil, nil))
	exec(t, f.s, Register(DroneInfo{ID: "small2", MemoryMB: 8192}, nil, nil))
	exec(t, f.s, Register(DroneInfo{ID: "big", MemoryMB: 65536}, nil, nil))
	f.r.SystemicFraction = 0
	atoms := f.enqueue(2)
	f.fail(f.claim("small"), "oom")
	if g := f.claim("small2"); g.Atom != atoms[1] {
		t.Fatalf("small2 got %s; the OOM package should wait for the big drone", g.Atom)
	}
	if g := f.claim("big"); g.Atom != atoms[0] {
		t.Fatalf("big got %s", g.Atom)
	}
}

// projections.CP (the dispatcher's cheap cat/name) agrees with portage's
// parser on real atoms, bare and as emerge prints them, so build times
// learned under one are found under the other.
func TestCPAgreesWithPortage(t *testing.T) {
	atoms := append(eventmix.Atoms(), "dev-qt/qtcore-5.15.2_p20241013:5/5.15.2::core-kit",
		"=dev-lang/perl-5.24.0-r1", "media-fonts/font-adobe-100dpi-1.0.3-r2:0::gentoo")
	for _, a := range atoms {
		p, err := portage.ParsePackage(a)
		if err != nil {
			t.Fatal(err)
		}
		if got := projections.CP(a); got != p.CP() {
			t.Errorf("CP(%s) = %q, portage says %q", a, got, p.CP())
		}
	}
}
