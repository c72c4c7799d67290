package orchestrator

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// TestTakeoverKeepsLeases: the new leader knows none of the heartbeats the
// old one heard, and its own start is long past. It must count the
// drones and their claims as heard from at the takeover: no reclaim, no
// drone offline because of the switch, and the old fence still reports.
func TestTakeoverKeepsLeases(t *testing.T) {
	c := newFakeCluster(0)
	cfg := leaderConfig("a")
	// The window between the takeover and the drone's first heartbeat to
	// the new leader, in which a lost lease would show, is one lease from
	// the takeover: long enough here that a loaded machine's pauses do
	// not reclaim it for real.
	cfg.Farm.Heartbeat.Duration, cfg.Farm.Lease.Duration = time.Second, 3*time.Second
	ms := startMembers(t, c, cfg, 2)
	old, next := ms[0], ms[1]
	waitRole(t, old.url, api.RoleLeader)
	waitRole(t, next.url, api.RoleFollower)
	ctx := context.Background()
	a := old.client("a")
	register(t, a, 1)
	old.enqueue("dev-libs/held-1")
	r, err := a.Claim(ctx, 10*time.Second)
	if err != nil || r.Claim == nil {
		t.Fatalf("claim: %+v, %v", r, err)
	}
	fence := r.Claim.Fence
	claimed := time.Now()
	// Heartbeats keep the claim on the old leader well past the lease and
	// the offline limit counted from the claim (and from the new leader's
	// start): only the old leader's memory says the drone is alive.
	beat := api.HeartbeatRequest{Health: "healthy", Version: "test", Tasks: []api.Task{{Atom: "dev-libs/held-1", Fence: fence}}}
	for time.Since(claimed) < cfg.Farm.Lease.Duration+cfg.Farm.Heartbeat.Duration {
		if _, err := a.Heartbeat(ctx, beat); err != nil {
			t.Fatal(err)
		}
		time.Sleep(cfg.Farm.Heartbeat.Duration / 2)
	}
	c.lead(1)
	waitRole(t, next.url, api.RoleLeader)
	// Evidence the new leader swept after the takeover, before the drone
	// had a chance to heartbeat it.
	swept := next.srv.sweeps.Load()
	waitFor(t, "two sweeps of the new leader", func() bool { return next.srv.sweeps.Load() >= swept+2 })
	st, err := next.store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := st.Package("dev-libs/held-1"); p.State != projections.Building || p.Fence != fence {
		t.Fatalf("after the takeover the claim is %s (fence %d), want building with fence %d", p.State, p.Fence, fence)
	}
	if d, _ := st.Drone("a"); !d.Online {
		t.Fatal("the takeover marked the drone offline")
	}
	// The old leader refuses, naming the new one; the new one takes the
	// old fence.
	if _, err := a.Heartbeat(ctx, beat); !errors.Is(err, api.ErrNotLeader) {
		t.Fatalf("heartbeat on the old leader: %v, want ErrNotLeader", err)
	}
	b := next.client("a")
	if _, err := b.Heartbeat(ctx, beat); err != nil {
		t.Fatal(err)
	}
	ack, err := b.Complete(ctx, api.CompleteRequest{Atom: "dev-libs/held-1", Fence: fence})
	if err != nil || ack.Seq == 0 {
		t.Fatalf("complete with the old fence on the new leader: %+v, %v", ack, err)
	}
	evs := logEvents(t, next.store)
	if n := countType(evs, events.TypeReclaimed); n != 0 {
		t.Errorf("%d reclaims across the switch", n)
	}
	if n := countType(evs, events.TypeDroneOffline); n != 0 {
		t.Errorf("%d drone_offline across the switch", n)
	}
	if n := countType(evs, events.TypeCompleted); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
}

// TestLeadingAgainAfterANotificationTakesOverAgain: leadership may leave
// and come back between two looks; the heartbeats of the term between
// went elsewhere, so a notification that finds the server leading still
// restarts its clocks.
func TestLeadingAgainAfterANotificationTakesOverAgain(t *testing.T) {
	c := newFakeCluster(0)
	ms := startMembers(t, c, leaderConfig(), 1)
	waitRole(t, ms[0].url, api.RoleLeader)
	before := ms[0].srv.since()
	c.lead(0) // a change whose end the server sees only
	waitFor(t, "the server to take over again", func() bool { return ms[0].srv.since().After(before) })
}

// TestCallHeldWhileTakingOver: a drone that follows a new leader arrives
// before it has caught up; its call waits for the takeover instead of
// being refused (and backing off).
func TestCallHeldWhileTakingOver(t *testing.T) {
	c := newFakeCluster(0)
	store, err := commands.OpenStore(t.TempDir(), commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := New(store, leaderConfig("a"), Options{Version: "test", Leadership: c.member(0)})
	hs := httptestServer(t, srv) // its loops do not run: nobody takes over but the test
	c.urls = []string{hs}
	type answer struct {
		err error
	}
	got := make(chan answer, 1)
	go func() {
		_, err := api.NewClient(hs, "a", "token-a", nil).Register(context.Background(),
			api.RegisterRequest{Cores: 1, Slots: 1, Health: "healthy", Version: "test"})
		got <- answer{err}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for srv.lead.holding.Load() == 0 {
		select {
		case a := <-got:
			t.Fatalf("a call to a leader taking over was answered at once: %v", a.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the call never reached the gate")
		}
		time.Sleep(time.Millisecond)
	}
	srv.followLeadership(context.Background(), false)
	select {
	case a := <-got:
		if a.err != nil {
			t.Fatalf("a call held through the takeover: %v", a.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the held call was not answered after the takeover")
	}
}

// httptestServer serves srv's API on loopback without running its loops.
func httptestServer(t *testing.T, srv *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close() })
	srv.url = "http://" + ln.Addr().String()
	return srv.url
}
