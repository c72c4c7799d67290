package demo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
)

// newStateDir makes a state folder as `swarm init` does.
func newStateDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), ".swarm")
	for _, sub := range []string{"events", "snapshots"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := config.WriteFile(filepath.Join(dir, config.FileName), config.Template()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestConfigure: the farm is quick, admits its drones by token hash, builds
// with the demo's own command, and has the plan in its queue.
func TestConfigure(t *testing.T) {
	ctx := context.Background()
	dir := newStateDir(t)
	plan, err := NewPlan(12, 50)
	if err != nil {
		t.Fatal(err)
	}
	drones, err := Configure(ctx, dir, Setup{Exe: "/opt/swarm", Plan: plan, Drones: 3, Slots: 2, Marks: "/tmp/m"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Farm.Heartbeat.Duration != time.Second || cfg.Farm.Lease.Duration != 5*time.Second ||
		cfg.Server.MaintenanceEvery.Duration != 250*time.Millisecond || cfg.Server.Listen != "127.0.0.1:0" {
		t.Errorf("not a quick farm: %+v %+v", cfg.Server, cfg.Farm)
	}
	want := []string{"/opt/swarm", "demo", "build", "--speedup", "50", "--fail-first", plan.FailFirst,
		"--marks", "/tmp/m", "{atom}"}
	if !slices.Equal(cfg.Build.Command, want) {
		t.Errorf("build.command = %q, want %q", cfg.Build.Command, want)
	}
	if len(drones) != 3 || len(cfg.Drones) != 3 {
		t.Fatalf("drones %v, config %v", drones, cfg.Drones)
	}
	for _, d := range drones {
		c, ok := cfg.Drones[d.ID]
		if !ok || c.TokenSHA256 != config.TokenHash(d.Token) || c.Slots != 2 {
			t.Errorf("%s: %+v", d.ID, c)
		}
	}
	store, err := commands.OpenStore(dir, commands.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	st, err := store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var queued []string
	for _, r := range st.QueueList("needed") {
		queued = append(queued, r.Atom)
	}
	if !slices.Equal(queued, plan.Atoms()) {
		t.Errorf("queue %v, want %v", queued, plan.Atoms())
	}
}

// TestWatcher: progress counts the queue and tells the story of a retry.
func TestWatcher(t *testing.T) {
	ctx := context.Background()
	dir := newStateDir(t)
	plan, _ := NewPlan(3, 50)
	if _, err := Configure(ctx, dir, Setup{Exe: "swarm", Plan: plan, Drones: 1, Slots: 1, Marks: "m"}, nil); err != nil {
		t.Fatal(err)
	}
	w, err := newWatcher(dir, 3, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	p, err := w.poll(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p.Queue.Needed != 3 || p.Drained() || len(p.News) != 0 {
		t.Fatalf("after enqueue: %+v", p)
	}

	store, err := commands.OpenStore(dir, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	atom := plan.FailFirst
	fence := func() uint64 { st, _ := store.Load(ctx); pk, _ := st.Package(atom); return pk.Fence }
	_, err = store.Log().Append(ctx, events.Event{Type: events.TypeDroneRegistered, Actor: "demo-1",
		Drone: "demo-1", Cores: 4, Count: 1})
	mustExec(t, err)
	r := commands.DefaultRules()
	_, err = store.Execute(ctx, commands.Claim(r, time.Now(), "demo-1", atom))
	mustExec(t, err)
	_, err = store.Execute(ctx, commands.Fail(r, time.Now(), "demo-1", atom, fence(), commands.Failure{Signature: "compile-phase"}))
	mustExec(t, err)
	_, err = store.Execute(ctx, commands.Claim(r, time.Now(), "demo-1", atom))
	mustExec(t, err)
	_, err = store.Execute(ctx, commands.Complete("demo-1", atom, fence(), commands.Binpkg{}))
	mustExec(t, err)

	p, err = w.poll(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"demo-1 joined the farm: 4 cores, 1 build at once",
		atom + " failed on demo-1 (compile-phase): back in the queue for a retry",
		atom + " built on retry by demo-1",
	}
	if !slices.Equal(p.News, want) {
		t.Errorf("news %q, want %q", p.News, want)
	}
	if p.Queue.Built != 1 || p.Queue.Needed != 2 || p.DronesTotal != 1 {
		t.Errorf("progress %+v", p)
	}
	if p, _ := w.poll(ctx, time.Now()); len(p.News) != 0 {
		t.Errorf("news twice: %q", p.News)
	}
}

func mustExec(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
