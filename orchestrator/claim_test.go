package orchestrator

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Claims abandoned by their drones end with their requests: no handler
// goroutine is left waiting for an answer that never comes, and the server
// then stops at once (it used to wait 10 s for them and fail).
func TestAbandonedClaimsEndWithTheirRequests(t *testing.T) {
	ts := startServer(t, nil, "a")
	a := ts.client("a")
	register(t, a, 1)
	hc := &http.Client{}
	a = api.NewClient(ts.url, "a", "token-a", hc)
	base := runtime.NumGoroutine()
	const n = 50
	for range n {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = a.Claim(ctx, 30*time.Second)
		}()
		// Cancel once the request waits in the server.
		waitUntil(t, "the claim to reach the server", func() bool { return ts.srv.claiming.Load() == 1 })
		cancel()
		<-done
	}
	hc.CloseIdleConnections()
	waitUntil(t, "the abandoned claims to end", func() bool { return ts.srv.claiming.Load() == 0 })
	waitUntil(t, "their goroutines to end", func() bool { return runtime.NumGoroutine() <= base+5 })
	start := time.Now()
	if err := ts.stop(); err != nil {
		t.Fatalf("Run after abandoned claims: %v", err)
	}
	t.Logf("Run returned %v after cancel", time.Since(start))
}

// A claim decided for a waiter that hung up as it was granted is given
// back: the drone will never know it holds it.
func TestClaimGrantedToAGoneWaiterIsReturned(t *testing.T) {
	ts := startServer(t, nil, "a")
	a := ts.client("a")
	register(t, a, 1)
	ts.enqueue("dev-libs/icu-60.2")
	// The waiter goes first; then the dispatcher decides its claim.
	r := &claimReq{ctx: context.Background(), drone: "a", reply: make(chan commands.Grant, 1)}
	if _, ok := r.abandon(); ok {
		t.Fatal("an unanswered request had an answer")
	}
	var grants []commands.Grant
	if _, err := ts.srv.execute(context.Background(),
		commands.Dispatch(ts.srv.rules(), time.Now(), []string{"a"}, &grants)); err != nil {
		t.Fatal(err)
	}
	if grants[0].Atom == "" {
		t.Fatalf("no grant: %+v", grants[0])
	}
	if r.deliver(grants[0]) {
		t.Fatal("delivered to a waiter that had gone")
	}
	ts.srv.undo(grants[0])
	ts.wantNeeded("dev-libs/icu-60.2")

	// The other order: answered, then the waiter goes before reading it.
	r = &claimReq{ctx: context.Background(), drone: "a", reply: make(chan commands.Grant, 1)}
	if _, err := ts.srv.execute(context.Background(),
		commands.Dispatch(ts.srv.rules(), time.Now(), []string{"a"}, &grants)); err != nil {
		t.Fatal(err)
	}
	if !r.deliver(grants[0]) {
		t.Fatal("not delivered to a waiting waiter")
	}
	g, ok := r.abandon()
	if !ok || g.Atom != "dev-libs/icu-60.2" {
		t.Fatalf("abandon after delivery: %+v %v", g, ok)
	}
	ts.srv.undo(g)
	ts.wantNeeded("dev-libs/icu-60.2")
	// And the drone may claim it for real.
	c, err := a.Claim(context.Background(), 0)
	if err != nil || c.Claim == nil {
		t.Fatalf("claim after the undo: %+v %v", c, err)
	}
}

func (ts *testServer) wantNeeded(atom string) {
	ts.t.Helper()
	err := ts.store.Read(context.Background(), func(st *projections.State) {
		p, ok := st.Package(atom)
		if !ok || p.State != projections.Needed {
			ts.t.Errorf("%s: %+v, want needed again", atom, p)
		}
	})
	if err != nil {
		ts.t.Fatal(err)
	}
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Claims that arrive while the store is busy are decided together when it
// is free, in one round, and the drone with the most cores chooses first:
// here the smallest asks first, the biggest last, and there is one package.
// Deciding each claim as it came would hand the package to the smallest.
func TestClaimsThatArriveTogetherShareARound(t *testing.T) {
	ts := startServer(t, nil, "small", "mid", "big")
	ctx := context.Background()
	for id, cores := range map[string]uint32{"small": 1, "mid": 4, "big": 16} {
		if _, err := ts.client(id).Register(ctx, api.RegisterRequest{Cores: cores, Slots: 1, Health: "healthy", Version: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	ts.enqueue("dev-libs/icu-60.2")
	before := ts.dispatch().Rounds

	// Hold the store: a decider that waits runs under its lock.
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // before the server stops, if the test fails while holding
	busy := make(chan error, 1)
	go func() {
		_, err := ts.store.Execute(ctx, func(*projections.State) ([]events.Event, error) {
			close(held)
			<-release
			return nil, nil
		})
		busy <- err
	}()
	<-held
	joined := func() int {
		ts.srv.formMu.Lock()
		defer ts.srv.formMu.Unlock()
		if ts.srv.form == nil {
			return 0
		}
		return len(ts.srv.form.reqs)
	}
	got := make(map[string]chan api.ClaimResponse)
	for i, id := range []string{"small", "mid", "big"} {
		ch := make(chan api.ClaimResponse, 1)
		got[id] = ch
		go func() {
			r, err := ts.client(id).Claim(ctx, 0)
			if err != nil {
				t.Error(err)
			}
			ch <- r
		}()
		waitUntil(t, id+"'s claim to join the round", func() bool { return joined() == i+1 })
	}
	free()
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"small", "mid", "big"} {
		r := <-got[id]
		switch {
		case id == "big" && (r.Claim == nil || r.Claim.Atom != "dev-libs/icu-60.2"):
			t.Errorf("big got %+v, want the package", r)
		case id != "big" && r.Claim != nil:
			t.Errorf("%s got %s, want nothing: the biggest drone chooses first", id, r.Claim.Atom)
		}
	}
	if d := ts.dispatch(); d.Rounds != before+1 {
		t.Errorf("%d rounds for three claims that arrived together, want 1", d.Rounds-before)
	}
}
