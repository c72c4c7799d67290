package commands

import (
	"slices"
	"testing"
	"time"

	"github.com/swarm-build/swarm/projections"
)

func TestFreshIsIncremental(t *testing.T) {
	f := newTestFarm(t, "a")
	plan := FreshPlan{Tree: "t1", Binaries: 3, Builds: []FreshPackage{
		{Atom: "dev-qt/qtcore-5.9.4-r2", Use: []string{"icu", "abi_x86_32"}},
		{Atom: "dev-qt/qtgui-5.9.4", Use: []string{"png"}},
		{Atom: "dev-qt/qtdbus-5.9.4"},
	}}
	var d FreshDiff
	exec(t, f.s, Fresh(ActorOperator, plan, Routing{USE: map[string][]string{"abi_x86_32": {"multilib"}}}, &d))
	if len(d.Added) != 3 || d.String() != "3 added, 0 removed, 0 changed, 0 retried, 0 kept" {
		t.Fatalf("first fresh: %s", d)
	}
	st := f.state()
	if st.Sync.Tree != "t1" || st.World != 6 || st.Status().Binary.Available != 3 {
		t.Fatalf("sync %+v world %d binary %+v", st.Sync, st.World, st.Status().Binary)
	}
	if p, _ := st.Package("dev-qt/qtcore-5.9.4-r2"); p.State != projections.Blocked || !slices.Equal(p.Requires, []string{"multilib"}) {
		t.Fatalf("qtcore: %s requires %v", p.State, p.Requires)
	}
	// Build qtgui and ground the drone; then a new tree changes qtgui's USE
	// and drops qtdbus.
	g := f.claim("a")
	exec(t, f.s, Complete("a", g.Atom, g.Fence, Binpkg{}))
	exec(t, f.s, Ground(ActorOperator, "a", time.Now().Add(time.Hour), "test"))
	exec(t, f.s, Pause(ActorOperator, "test"))
	plan2 := FreshPlan{Tree: "t2", Builds: []FreshPackage{
		{Atom: "dev-qt/qtcore-5.9.4-r2", Use: []string{"abi_x86_32", "icu"}}, // same set, other order
		{Atom: g.Atom, Use: []string{"png", "jpeg"}},
	}}
	exec(t, f.s, Fresh(ActorOperator, plan2, Routing{}, &d))
	if d.String() != "0 added, 1 removed, 1 changed, 0 retried, 1 kept" || d.Changed[0] != g.Atom {
		t.Fatalf("second fresh: %s %+v", d, d)
	}
	st = f.state()
	if p, _ := st.Package(g.Atom); p.State != projections.Needed || p.Use != "jpeg png" {
		t.Fatalf("%s after a USE change: %s %q", g.Atom, p.State, p.Use)
	}
	if dr, _ := st.Drone("a"); dr.Grounded || st.Paused != nil {
		t.Fatalf("a fresh must lift groundings and the pause: grounded %v paused %v", dr.Grounded, st.Paused)
	}
}

// The plan's priorities order dispatch: the head of the longest chain goes
// first, to the biggest drone asking; a package waits for its dependencies.
func TestFreshPrioritiesAndBiggestDroneFirst(t *testing.T) {
	f := newTestFarm(t)
	exec(t, f.s, Register(DroneInfo{ID: "small", Cores: 4, Slots: 2}, nil, nil))
	exec(t, f.s, Register(DroneInfo{ID: "big", Cores: 32, Slots: 2}, nil, nil))
	exec(t, f.s, Learn(ActorOperator, "test", map[string]time.Duration{
		"dev-qt/qtcore": 10 * time.Minute, "dev-qt/qtgui": 20 * time.Minute, "app-misc/leaf": time.Minute,
		"kde-base/kdelibs": 30 * time.Minute,
	}))
	plan := FreshPlan{Tree: "t", Builds: []FreshPackage{
		{Atom: "app-misc/leaf-1"},
		{Atom: "dev-qt/qtcore-5.9.4"},
		{Atom: "dev-qt/qtgui-5.9.4", Deps: []int{1}},
		{Atom: "kde-base/kdelibs-4.14", Deps: []int{1, 2}},
	}}
	exec(t, f.s, Fresh(ActorOperator, plan, Routing{}, nil))
	st := f.state()
	if p, _ := st.Package("dev-qt/qtcore-5.9.4"); p.Priority != time.Hour {
		t.Fatalf("qtcore priority %v, want 1h (10m + 20m + 30m)", p.Priority)
	}
	g := f.dispatch("small", "big")
	if g[1].Atom != "dev-qt/qtcore-5.9.4" || g[0].Atom != "app-misc/leaf-1" {
		t.Fatalf("small got %q, big got %q; want big on the critical path", g[0].Atom, g[1].Atom)
	}
	if g := f.dispatch("big")[0]; g.Atom != "" {
		t.Fatalf("big got %s while everything else waits for qtcore", g.Atom)
	}
	exec(t, f.s, Complete("big", "dev-qt/qtcore-5.9.4", g[1].Fence, Binpkg{}))
	if g := f.dispatch("big")[0]; g.Atom != "dev-qt/qtgui-5.9.4" {
		t.Fatalf("after qtcore: big got %q", g.Atom)
	}
}

// A small drone passes over a long build that a bigger drone, busy for a
// minute more, would still finish sooner.
func TestLookaheadLeavesLongBuildsToBigDrones(t *testing.T) {
	f := newTestFarm(t)
	exec(t, f.s, Register(DroneInfo{ID: "big", Cores: 32, Slots: 1}, nil, nil))
	exec(t, f.s, Register(DroneInfo{ID: "small", Cores: 4, Slots: 1}, nil, nil))
	exec(t, f.s, Learn(ActorOperator, "test", map[string]time.Duration{
		"www-client/chromium": 8 * time.Hour, "app-misc/short": time.Minute, "app-misc/filler": time.Minute,
	}))
	exec(t, f.s, Fresh(ActorOperator, FreshPlan{Tree: "t", Builds: []FreshPackage{
		{Atom: "www-client/chromium-131.0"}, {Atom: "app-misc/short-1"}, {Atom: "app-misc/filler-1"},
	}}, Routing{}, nil))
	// big is busy with the filler (it jumps the queue by being asked alone
	// with chromium excluded for it).
	exec(t, f.s, Exclude(ActorOperator, "www-client/chromium", "big", "test"))
	exec(t, f.s, Exclude(ActorOperator, "app-misc/short", "big", "test"))
	if g := f.claim("big"); g.Atom != "app-misc/filler-1" {
		t.Fatalf("big got %s", g.Atom)
	}
	exec(t, f.s, Include(ActorOperator, "www-client/chromium", "big"))
	if g := f.claim("small"); g.Atom != "app-misc/short-1" {
		t.Fatalf("small got %s; chromium should wait for big", g.Atom)
	}
}

func TestFreshFullRebuildsBuilt(t *testing.T) {
	f := newTestFarm(t, "a")
	plan := FreshPlan{Tree: "t", Builds: []FreshPackage{{Atom: "dev-qt/qtcore-5.9.4"}}}
	exec(t, f.s, Fresh(ActorOperator, plan, Routing{}, nil))
	g := f.claim("a")
	exec(t, f.s, Complete("a", g.Atom, g.Fence, Binpkg{}))
	var d FreshDiff
	exec(t, f.s, Fresh(ActorOperator, plan, Routing{}, &d))
	if d.Kept != 1 {
		t.Fatalf("incremental: %s", d)
	}
	plan.Full = true
	exec(t, f.s, Fresh(ActorOperator, plan, Routing{}, &d))
	if len(d.Changed) != 1 {
		t.Fatalf("full: %s", d)
	}
	if p, _ := f.state().Package(g.Atom); p.State != projections.Needed {
		t.Fatalf("after a full fresh: %s", p.State)
	}
}
