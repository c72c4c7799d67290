package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
)

// fakeCluster stands in for the replicated log's leader election: one of
// its members leads (or none), and the test moves the leadership.
type fakeCluster struct {
	mu     sync.Mutex
	urls   []string // by member
	leader int      // -1: none
	change chan struct{}
}

func newFakeCluster(leader int) *fakeCluster {
	return &fakeCluster{leader: leader, change: make(chan struct{})}
}

// member is member i's view of the cluster.
func (c *fakeCluster) member(i int) Leadership { return fakeMember{c, i} }

// lead moves the leadership to member i (-1: none).
func (c *fakeCluster) lead(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leader = i
	close(c.change)
	c.change = make(chan struct{})
}

type fakeMember struct {
	c *fakeCluster
	i int
}

func (m fakeMember) Leader() (bool, string) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	if m.c.leader < 0 || m.c.leader >= len(m.c.urls) {
		return false, ""
	}
	return m.c.leader == m.i, m.c.urls[m.c.leader]
}

func (m fakeMember) Changed() <-chan struct{} {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	return m.c.change
}

// leaderConfig is a farm with short heartbeats and leases, so a switch
// that lost them would be seen within seconds, yet long enough that a
// loaded machine's pauses do not look like a silent drone (offline after
// 2.5 heartbeats: 750ms).
func leaderConfig(drones ...string) config.Config {
	cfg := config.Default()
	cfg.Farm.Heartbeat.Duration, cfg.Farm.Lease.Duration = 300*time.Millisecond, 1500*time.Millisecond
	cfg.Server.MaintenanceEvery.Duration = 50 * time.Millisecond
	for _, d := range drones {
		cfg.Drones[d] = config.DroneConfig{TokenSHA256: config.TokenHash("token-" + d)}
	}
	return cfg
}

// startMembers runs n servers of cluster c over one state folder, each
// with its own Store on it (the file log takes several writers by
// optimistic append, as a replicated log takes its leader's).
func startMembers(t *testing.T, c *fakeCluster, cfg config.Config, n int) []*testServer {
	t.Helper()
	dir := t.TempDir()
	lns := make([]net.Listener, n)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
		c.urls = append(c.urls, "http://"+ln.Addr().String())
	}
	out := make([]*testServer, n)
	for i, ln := range lns {
		store, err := commands.OpenStore(dir, commands.StoreOptions{})
		if err != nil {
			t.Fatal(err)
		}
		srv := New(store, cfg, Options{Version: "test", Leadership: c.member(i)})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Run(ctx, ln) }()
		stop := sync.OnceValue(func() error { cancel(); return <-done })
		t.Cleanup(func() {
			if err := stop(); err != nil {
				t.Errorf("Run: %v", err)
			}
			store.Close()
		})
		out[i] = &testServer{t: t, dir: dir, store: store, url: c.urls[i], srv: srv, stop: stop}
	}
	return out
}

// health reads ts's /v1/health.
func health(t *testing.T, url string) api.Ready {
	t.Helper()
	resp, err := http.Get(url + api.HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r api.Ready
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// waitRole waits until the server at url reports role.
func waitRole(t *testing.T, url, role string) api.Ready {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := health(t, url)
		if r.Role == role {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %q, want %q", url, r.Role, role)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFollowerRefusesWritesNamingTheLeader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		leader  int // -1: none
		message string
	}{
		{"leader known", 1, "the leader is http://"},
		{"no leader yet", -1, "no leader yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeCluster(tc.leader)
			ms := startMembers(t, c, leaderConfig("a"), 2)
			f := ms[0]
			want := ""
			if tc.leader >= 0 {
				want = c.urls[tc.leader]
			}
			r := waitRole(t, f.url, api.RoleFollower)
			if r.Leader != want || !r.OK {
				t.Fatalf("follower's health: %+v, want leader %q", r, want)
			}
			before := f.seq()
			for _, verb := range []string{api.VerbRegister, api.VerbHeartbeat, api.VerbClaim, api.VerbComplete,
				api.VerbFail, api.VerbReturn, api.VerbBinpkg} {
				req, _ := http.NewRequest(http.MethodPost, f.url+api.DronePath("a", verb), strings.NewReader(`{}`))
				req.Header.Set("Authorization", "Bearer token-a")
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var e api.Error
				_ = json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				if resp.StatusCode != http.StatusServiceUnavailable || e.Code != api.CodeNotLeader ||
					resp.Header.Get(api.LeaderHeader) != want || !strings.Contains(e.Message, tc.message) {
					t.Errorf("%s on a follower: %d %+v, %s %q; want 503 %s naming %q", verb, resp.StatusCode, e,
						api.LeaderHeader, resp.Header.Get(api.LeaderHeader), api.CodeNotLeader, want)
				}
			}
			// The client's sentinel, and a wrong token is still refused first.
			if _, err := f.client("a").Register(context.Background(), api.RegisterRequest{Cores: 1, Version: "test"}); !errors.Is(err, api.ErrNotLeader) {
				t.Errorf("register on a follower: %v, want ErrNotLeader", err)
			}
			if _, err := api.NewClient(f.url, "a", "wrong", nil).Heartbeat(context.Background(), api.HeartbeatRequest{}); !errors.Is(err, api.ErrUnauthorized) {
				t.Errorf("a wrong token on a follower: %v, want ErrUnauthorized", err)
			}
			if got := f.seq(); got != before {
				t.Errorf("the follower appended: seq %d → %d", before, got)
			}
			// The read views keep working.
			for _, path := range []string{"/v1/status", "/v1/queue", "/v1/drones", api.LogPath, MetricsPath, "/", api.EventsPath} {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.url+path, nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s on a follower: %d", path, resp.StatusCode)
				}
			}
		})
	}
}

func TestFollowerStatusNamesTheLeader(t *testing.T) {
	c := newFakeCluster(1)
	ms := startMembers(t, c, leaderConfig(), 2)
	waitRole(t, ms[0].url, api.RoleFollower)
	resp, err := http.Get(ms[0].url + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep commands.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if rep.Server == nil || rep.Server.Role != api.RoleFollower || rep.Server.Leader != c.urls[1] {
		t.Fatalf("a follower's status: %+v, want follower of %s", rep.Server, c.urls[1])
	}
}

func TestLosingLeadershipAnswersWaitingClaims(t *testing.T) {
	c := newFakeCluster(0)
	ms := startMembers(t, c, leaderConfig("a"), 2)
	waitRole(t, ms[0].url, api.RoleLeader)
	a := ms[0].client("a")
	register(t, a, 1)
	got := make(chan error, 1)
	go func() {
		_, err := a.Claim(context.Background(), 20*time.Second)
		got <- err
	}()
	waitFor(t, "the claim to wait in the dispatcher", func() bool { return ms[0].srv.claiming.Load() == 1 })
	c.lead(1)
	select {
	case err := <-got:
		if !errors.Is(err, api.ErrNotLeader) {
			t.Fatalf("a claim waiting as leadership moved: %v, want ErrNotLeader", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting claim was not answered when leadership moved")
	}
	// The new leader takes it from here, and the old one dispatches nothing.
	waitRole(t, ms[1].url, api.RoleLeader)
	ms[1].enqueue("dev-libs/one-1")
	b := ms[1].client("a")
	if _, err := b.Heartbeat(context.Background(), api.HeartbeatRequest{Health: "healthy", Version: "test"}); err != nil {
		t.Fatal(err)
	}
	r, err := b.Claim(context.Background(), 20*time.Second)
	if err != nil || r.Claim == nil || r.Claim.Atom != "dev-libs/one-1" {
		t.Fatalf("claim on the new leader: %+v, %v", r, err)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func logEvents(t *testing.T, store *commands.Store) []events.Event {
	t.Helper()
	var out []events.Event
	for e, err := range store.Log().Events(context.Background(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *e)
	}
	return out
}

func countType(evs []events.Event, typ events.Type) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestMemberURLs(t *testing.T) {
	c := newFakeCluster(1)
	c.urls = []string{"o1", "o2"} // the election names members
	urls := map[string]string{"o1": "http://10.0.0.1:8093", "o2": "http://10.0.0.2:8093"}
	l := MemberURLs(c.member(0), urls)
	if self, url := l.Leader(); self || url != "http://10.0.0.2:8093" {
		t.Errorf("a follower of o2: %v %q", self, url)
	}
	if self, url := MemberURLs(c.member(1), urls).Leader(); !self || url != "http://10.0.0.2:8093" {
		t.Errorf("the leader o2: %v %q", self, url)
	}
	changed := l.Changed()
	c.urls = append(c.urls, "o3")
	c.lead(2)
	select {
	case <-changed:
	default:
		t.Error("a change of leader was not passed on")
	}
	if self, url := l.Leader(); self || url != "" {
		t.Errorf("a leader with no known URL: %v %q, want unknown", self, url)
	}
}
