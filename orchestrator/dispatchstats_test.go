package orchestrator

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
)

// dispatch reads GET /v1/dispatch.
func (ts *testServer) dispatch() api.DispatchStats {
	ts.t.Helper()
	resp, err := http.Get(ts.url + api.DispatchPath)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	var s api.DispatchStats
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("GET %s: %s", api.DispatchPath, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		ts.t.Fatalf("GET %s: %v", api.DispatchPath, err)
	}
	return s
}

// waitAsked waits until the dispatcher has decided a claim of drone at
// least n times, against a log holding seq or later.
func (ts *testServer) waitAsked(drone string, n, seq uint64) api.DroneDispatch {
	ts.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d := ts.dispatch().Drones[drone]
		if d.Asked >= n && d.Seq >= seq {
			return d
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("the dispatcher did not decide %d claims of %s against seq %d: %+v", n, drone, seq, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDispatchStatsCountDecisions: a claim waiting with nothing to take is
// counted once per round it is decided in, against the log as it stood;
// a granted one is counted as granted.
func TestDispatchStatsCountDecisions(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, nil, "a", "b")
	a := ts.client("a")
	register(t, a, 1)
	if s := ts.dispatch(); s.Rounds != 0 || len(s.Drones) != 0 {
		t.Fatalf("before any claim: %+v", s)
	}
	// Nothing queued: the claim waits 1.2s, decided at its arrival and at
	// every 500ms round after.
	if r, err := a.Claim(ctx, 1200*time.Millisecond); err != nil || r.Claim != nil {
		t.Fatalf("claim with nothing queued: %+v, %v", r, err)
	}
	s := ts.dispatch()
	d := s.Drones["a"]
	if d.Asked < 2 || d.Granted != 0 || d.Seq != ts.seq() || s.Rounds < d.Asked || s.Seq != d.Seq {
		t.Fatalf("after a refused 1.2s claim: %+v", s)
	}
	if _, ok := s.Drones["b"]; ok {
		t.Fatalf("b never asked, yet: %+v", s)
	}
	ts.enqueue("dev-libs/icu-60.2")
	before := ts.seq()
	if r, err := a.Claim(ctx, time.Second); err != nil || r.Claim == nil {
		t.Fatalf("claim with work queued: %+v, %v", r, err)
	}
	got := ts.dispatch().Drones["a"]
	if got.Asked != d.Asked+1 || got.Granted != 1 || got.Seq != before {
		t.Fatalf("after a granted claim: %+v (before: %+v, seq %d)", got, d, before)
	}
}
