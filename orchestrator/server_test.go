package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
)

// testServer runs a real Server on a loopback port over a fresh state folder.
type testServer struct {
	t     testing.TB
	dir   string
	store *commands.Store
	url   string
	srv   *Server
	stop  func() error // stops the server and returns what Run did
}

func startServer(t testing.TB, mutate func(*config.Config), drones ...string) *testServer {
	t.Helper()
	return startServerIn(t, false, mutate, drones...)
}

// startServerIn is startServer; with state, its temporary folder is also
// the server's state folder (where build logs are kept).
func startServerIn(t testing.TB, state bool, mutate func(*config.Config), drones ...string) *testServer {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Farm.Heartbeat.Duration, cfg.Farm.Lease.Duration = time.Second, 4*time.Second
	cfg.Server.MaintenanceEvery.Duration = 100 * time.Millisecond
	for _, d := range drones {
		cfg.Drones[d] = config.DroneConfig{TokenSHA256: config.TokenHash("token-" + d)}
	}
	if mutate != nil {
		mutate(&cfg)
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
	opts := Options{Version: "test", Binhost: filepath.Join(dir, "binhost"), Key: testKey()}
	if state {
		opts.StateDir = dir
	}
	srv := New(store, cfg, opts)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	stop := sync.OnceValue(func() error { cancel(); return <-done })
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
		store.Close()
	})
	return &testServer{t: t, dir: dir, store: store, url: "http://" + ln.Addr().String(), srv: srv, stop: stop}
}

func (ts *testServer) client(id string) *api.Client {
	return api.NewClient(ts.url, id, "token-"+id, nil)
}

func (ts *testServer) enqueue(atoms ...string) {
	ts.t.Helper()
	if _, err := ts.store.Execute(context.Background(), commands.Enqueue(commands.ActorOperator, atoms)); err != nil {
		ts.t.Fatal(err)
	}
}

func (ts *testServer) seq() uint64 {
	st, err := ts.store.Load(context.Background())
	if err != nil {
		ts.t.Fatal(err)
	}
	return st.Seq
}

func register(t *testing.T, c *api.Client, slots uint32) api.RegisterResponse {
	t.Helper()
	r, err := c.Register(context.Background(), api.RegisterRequest{Cores: 4, Slots: slots, Health: "healthy", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDroneLifecycleOverHTTP(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, nil, "a", "b")
	a := ts.client("a")
	reg := register(t, a, 2)
	if reg.Heartbeat() != time.Second || reg.Lease() != 4*time.Second || reg.Slots != 2 || len(reg.Command) == 0 {
		t.Fatalf("register answer: %+v", reg)
	}
	// A long poll is answered as soon as work appears.
	got := make(chan api.ClaimResponse, 1)
	go func() {
		r, err := a.Claim(ctx, 10*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	// The claim is waiting, already refused once: the answer below is the
	// wake-up, not a first look that finds work.
	ts.waitAsked("a", 1, ts.seq())
	ts.enqueue("dev-libs/icu-60.2", "sys-devel/llvm-19.1.7")
	var c *api.Claim
	select {
	case r := <-got:
		c = r.Claim
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting claim was not answered when work appeared")
	}
	if c == nil || c.Atom != "dev-libs/icu-60.2" || c.Attempt != 1 {
		t.Fatalf("claim: %+v", c)
	}
	hb, err := a.Heartbeat(ctx, api.HeartbeatRequest{Health: "healthy", Tasks: []api.Task{{Atom: c.Atom, Fence: c.Fence, Progress: 10}}})
	if err != nil || len(hb.Drop) != 0 {
		t.Fatalf("heartbeat: %+v %v", hb, err)
	}
	if _, err := a.Complete(ctx, api.CompleteRequest{Atom: c.Atom, Fence: c.Fence}); err != nil {
		t.Fatal(err)
	}
	// A second report with the same fence is stale: the package is built.
	if _, err := a.Complete(ctx, api.CompleteRequest{Atom: c.Atom, Fence: c.Fence}); !errors.Is(err, api.ErrStaleFence) {
		t.Fatalf("repeated completion: %v", err)
	}
	// An unregistered (but admitted) drone is told to register.
	if _, err := ts.client("b").Claim(ctx, 0); !errors.Is(err, api.ErrNotRegistered) {
		t.Fatalf("claim before register: %v", err)
	}
	// Nothing to give: answered with the reason once the wait is over.
	r, err := a.Claim(ctx, 0)
	if err != nil || r.Claim == nil {
		t.Fatalf("second package: %+v %v", r, err)
	}
	r, err = a.Claim(ctx, 200*time.Millisecond)
	if err != nil || r.Claim != nil || r.Reason != "queue empty" {
		t.Fatalf("empty queue: %+v %v", r, err)
	}
}

func TestWrongTokenIsRefusedAndAppendsNothing(t *testing.T) {
	ts := startServer(t, nil, "a")
	before := ts.seq()
	for _, tc := range []struct{ id, header string }{
		{"a", "Bearer wrong"},
		{"a", ""},
		{"a", "token-a"}, // not a bearer token
		{"ghost", "Bearer token-a"},
	} {
		req, _ := http.NewRequest(http.MethodPost, ts.url+api.DronePath(tc.id, api.VerbRegister), strings.NewReader(`{"cores":4}`))
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with %q: HTTP %d, want 401", tc.id, tc.header, resp.StatusCode)
		}
	}
	if after := ts.seq(); after != before {
		t.Fatalf("refused calls appended: seq %d → %d", before, after)
	}
}

// serveConfigFile runs a server over a new folder whose config.toml
// holds data, and returns it, its URL and the file's path. The server
// stops when the test ends.
func serveConfigFile(t *testing.T, data []byte) (srv *Server, url, path string) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, config.FileName)
	if err := config.WriteFile(path, data); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	store, err := commands.OpenStore(dir, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv = New(store, cfg, Options{StateDir: dir})
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		store.Close()
	})
	return srv, "http://" + ln.Addr().String(), path
}

// A drone admitted while the server runs is let in without a restart.
func TestAdmissionIsPickedUpFromConfig(t *testing.T) {
	_, url, p := serveConfigFile(t, config.Template())
	ctx := context.Background()
	c := api.NewClient(url, "late", "token-late", nil)
	if _, err := c.Register(ctx, api.RegisterRequest{Cores: 2}); !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("register before admission: %v", err)
	}
	data, err := config.Set(config.Template(), "drones.late.token_sha256", `"`+config.TokenHash("token-late")+`"`)
	if err != nil {
		t.Fatal(err)
	}
	if err := config.WriteFile(p, data); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(ctx, api.RegisterRequest{Cores: 2}); err != nil {
		t.Fatalf("register after admission: %v", err)
	}
}

// A connection that proved a drone's token skips the hashing on its next
// calls, but only while config.toml stays as it was: a token replaced in
// the file is refused on the very connection that used it a moment ago.
func TestReplacedTokenIsRefusedOnAKeptConnection(t *testing.T) {
	data, err := config.Set(config.Template(), "drones.d.token_sha256", `"`+config.TokenHash("token-old")+`"`)
	if err != nil {
		t.Fatal(err)
	}
	srv, url, p := serveConfigFile(t, data)
	ctx := context.Background()

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}} // one kept connection
	defer hc.CloseIdleConnections()
	c := api.NewClient(url, "d", "token-old", hc)
	for range 3 {
		if _, err := c.Register(ctx, api.RegisterRequest{Cores: 2}); err != nil {
			t.Fatalf("register with the token in force: %v", err)
		}
	}
	data, err = config.Set(config.Template(), "drones.d.token_sha256", `"`+config.TokenHash("token-new")+`"`)
	if err != nil {
		t.Fatal(err)
	}
	if err := config.WriteFile(p, data); err != nil {
		t.Fatal(err)
	}
	srv.reloadConfig() // what the config watcher does within a second
	if _, err := c.Register(ctx, api.RegisterRequest{Cores: 2}); !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("register with the replaced token on the kept connection: %v, want unauthorized", err)
	}
	if _, err := api.NewClient(url, "d", "token-new", hc).Register(ctx, api.RegisterRequest{Cores: 2}); err != nil {
		t.Fatalf("register with the new token: %v", err)
	}
}

// A drone that stops heartbeating loses its work within three heartbeats.
func TestSilentDroneIsReclaimed(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, nil, "a", "b")
	a, b := ts.client("a"), ts.client("b")
	register(t, a, 1)
	register(t, b, 1)
	ts.enqueue("dev-libs/icu-60.2")
	r, err := a.Claim(ctx, 0)
	if err != nil || r.Claim == nil {
		t.Fatalf("claim: %+v %v", r, err)
	}
	// b keeps beating and waits for work; a is silent.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := b.Heartbeat(ctx, api.HeartbeatRequest{Health: "healthy"}); err != nil {
			t.Fatal(err)
		}
		rb, err := b.Claim(ctx, 500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if rb.Claim != nil {
			if rb.Claim.Atom != r.Claim.Atom || rb.Claim.Attempt != 1 {
				t.Fatalf("b got %+v", rb.Claim)
			}
			// a's late report is refused.
			if _, err := a.Complete(ctx, api.CompleteRequest{Atom: r.Claim.Atom, Fence: r.Claim.Fence}); !errors.Is(err, api.ErrStaleFence) {
				t.Fatalf("late report from the silent drone: %v", err)
			}
			return
		}
	}
	t.Fatal("the silent drone's package never reached the other drone")
}

// The scheduled fresh runs when farm.fresh_every has passed since the last
// completed one, and a failed run is tried again.
func TestScheduledFresh(t *testing.T) {
	calls := make(chan error, 16)
	dir := t.TempDir()
	store, err := commands.OpenStore(dir, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cfg := config.Default()
	cfg.Farm.FreshEvery.Duration = 300 * time.Millisecond
	n := 0
	fresh := func(ctx context.Context) error {
		n++
		if n == 1 {
			calls <- errors.New("mirror down")
			return errors.New("mirror down")
		}
		_, err := store.Execute(ctx, commands.Fresh(commands.ActorOrchestrator, commands.FreshPlan{Tree: "t"}, commands.Routing{}, nil))
		calls <- err
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(store, cfg, Options{Fresh: fresh}).Run(ctx, ln) }()
	defer func() { cancel(); <-done }()
	var got []error
	deadline := time.After(10 * time.Second)
	for len(got) < 3 {
		select {
		case err := <-calls:
			got = append(got, err)
		case <-deadline:
			t.Fatalf("scheduled fresh ran %d times in 10s: %v", len(got), got)
		}
	}
	if got[0] == nil || got[1] != nil || got[2] != nil {
		t.Fatalf("runs: %v (want a failure, then successes)", got)
	}
}

// /v1/status (which `swarm status` asks) judges by config.toml as it is
// at the request, not as the watcher last loaded it: a rule an operator
// set a moment ago shows at once, as it would reading the folder.
func TestStatusViewReadsTheConfigOfNow(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, config.FileName)
	data, err := config.Set(config.Template(), "drones.d.token_sha256", `"`+config.TokenHash("token-d")+`"`)
	if err == nil {
		err = config.WriteFile(p, data)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	store, err := commands.OpenStore(dir, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(store, cfg, Options{StateDir: dir, Version: "1.0.0"}).Run(ctx, ln) }()
	defer func() { cancel(); <-done }()
	base := "http://" + ln.Addr().String()
	if _, err := api.NewClient(base, "d", "token-d", nil).Register(ctx, api.RegisterRequest{Cores: 2, Version: "1.0.0"}); err != nil {
		t.Fatal(err)
	}
	stale := func() int {
		resp, err := http.Get(base + "/v1/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r commands.Report
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return len(r.StaleReleases)
	}
	if n := stale(); n != 0 {
		t.Fatalf("%d stale drones before the rule", n)
	}
	if data, err = config.Set(data, "farm.require_version", `"2.0.0"`); err == nil {
		err = config.WriteFile(p, data)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := stale(); n != 1 {
		t.Fatalf("right after farm.require_version was set: %d stale drones, want 1", n)
	}
}
