package orchestrator

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
)

// startReleaseServer starts an orchestrator that runs release version,
// with drones old, same and new admitted.
func startReleaseServer(t *testing.T, version, require string) *testServer {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Farm.RequireVersion = require
	for _, d := range []string{"old", "same", "new"} {
		cfg.Drones[d] = config.DroneConfig{TokenSHA256: config.TokenHash("token-" + d)}
	}
	store, err := commands.OpenStore(dir, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := New(store, cfg, Options{Version: version, Binhost: filepath.Join(dir, "binhost"), Key: testKey()})
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		store.Close()
	})
	return &testServer{t: t, dir: dir, store: store, url: "http://" + ln.Addr().String(), srv: srv}
}

// A drone newer than its orchestrator is refused at registration with the
// reason, and nothing is appended: the orchestrator may not understand it.
func TestNewerDroneIsRefused(t *testing.T) {
	ts := startReleaseServer(t, "1.4.0", "")
	before := ts.seq()
	_, err := ts.client("new").Register(context.Background(),
		api.RegisterRequest{Cores: 4, Health: "healthy", Version: "1.5.0"})
	if !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "deploy the orchestrator first") {
		t.Fatalf("a drone on 1.5.0 registering with an orchestrator on 1.4.0: %v, want refused with the reason", err)
	}
	if after := ts.seq(); after != before {
		t.Fatalf("the refusal appended events: seq %d → %d", before, after)
	}
	for id, v := range map[string]string{"same": "1.4.0", "old": "1.3.9"} {
		if _, err := ts.client(id).Register(context.Background(),
			api.RegisterRequest{Cores: 4, Health: "healthy", Version: v}); err != nil {
			t.Errorf("a drone on %s: %v", v, err)
		}
	}
}

// With farm.require_version = "orchestrator", a drone on an older release
// registers but gets no work, and is told why with the fix; one on the
// orchestrator's release gets it.
func TestOlderDroneGetsNoWork(t *testing.T) {
	ts := startReleaseServer(t, "1.4.0", config.RequireOrchestrator)
	old, same := ts.client("old"), ts.client("same")
	for c, v := range map[*api.Client]string{old: "1.3.9", same: "1.4.0"} {
		if _, err := c.Register(context.Background(), api.RegisterRequest{Cores: 4, Health: "healthy", Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	ts.enqueue("dev-lang/perl-5.40.0")
	r, err := old.Claim(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Claim != nil || !strings.Contains(r.Reason, "stale release") || !strings.Contains(r.Reason, "swarm deploy old") {
		t.Fatalf("the drone on 1.3.9: claim %+v, want none, stale release and the fix", r)
	}
	r, err = same.Claim(context.Background(), time.Second)
	if err != nil || r.Claim == nil {
		t.Fatalf("the drone on 1.4.0: claim %+v, %v, want the package", r, err)
	}
}
