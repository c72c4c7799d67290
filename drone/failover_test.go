package drone

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/orchestrator"
	"github.com/swarm-build/swarm/projections"
)

// election stands in for the replicated log's leader election: the test
// moves the leadership between real orchestrators.
type election struct {
	mu     sync.Mutex
	urls   []string
	leader int
	change chan struct{}
}

func (e *election) lead(i int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.leader = i
	close(e.change)
	e.change = make(chan struct{})
}

type electionMember struct {
	e *election
	i int
}

func (m electionMember) Leader() (bool, string) {
	m.e.mu.Lock()
	defer m.e.mu.Unlock()
	return m.e.leader == m.i, m.e.urls[m.e.leader]
}

func (m electionMember) Changed() <-chan struct{} {
	m.e.mu.Lock()
	defer m.e.mu.Unlock()
	return m.e.change
}

// clusterMember is one real orchestrator of the test's cluster.
type clusterMember struct {
	url   string
	store *commands.Store
}

// startCluster runs n real orchestrators over loopback HTTP on one state
// folder, each with its own Store on the folder's file log (which takes
// several writers by optimistic append, as the replicated log takes its
// leader's): a faithful stand-in for the JetStream cluster.
func startCluster(t testing.TB, cfg config.Config, n, leader int) (*election, []clusterMember) {
	t.Helper()
	dir := t.TempDir()
	e := &election{leader: leader, change: make(chan struct{})}
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		e.urls = append(e.urls, "http://"+ln.Addr().String())
	}
	var out []clusterMember
	for i, ln := range lns {
		store, err := commands.OpenStore(dir, commands.StoreOptions{})
		if err != nil {
			t.Fatal(err)
		}
		srv := orchestrator.New(store, cfg, orchestrator.Options{StateDir: dir, Version: "test",
			Leadership: electionMember{e, i}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Run(ctx, ln) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("member %d: %v", i, err)
			}
			store.Close()
		})
		out = append(out, clusterMember{url: e.urls[i], store: store})
	}
	return e, out
}

// holdBack delays the drone's calls to one URL until released: a moment
// in which the drone cannot reach the new leader, so that the new
// leader's first sweeps run before it hears from the drone, as they may
// in a real failover.
type holdBack struct {
	host    string
	release chan struct{}
}

func (h *holdBack) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == h.host {
		select {
		case <-h.release:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// eventually polls cond until it holds, failing after a generous deadline.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// metric reads one unlabelled sample of url's /metrics (-1: absent).
func metric(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url + orchestrator.MetricsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return -1
}

func packageState(t testing.TB, store *commands.Store, atom string) projections.Package {
	t.Helper()
	var p projections.Package
	if err := store.Read(context.Background(), func(st *projections.State) { p, _ = st.Package(atom) }); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFailoverMidBuild: three real orchestrators share one log; a real
// drone that knows all three builds under the leader, the leadership moves
// mid-build, and the drone's build is reported to the new leader with its
// old fence: completed once, claimed once, never reclaimed, and the drone
// ends on the new leader while the old one refuses writes naming it.
func TestFailoverMidBuild(t *testing.T) {
	gate := t.TempDir()
	cfg := config.Default()
	cfg.Farm.Heartbeat.Duration, cfg.Farm.Lease.Duration = 400*time.Millisecond, 2*time.Second
	cfg.Server.MaintenanceEvery.Duration = 50 * time.Millisecond
	cfg.Build.Command = []string{"sh", "-c",
		`touch "$0/started-$SWARM_FENCE"; while [ ! -e "$0/go" ]; do sleep 0.02; done; echo built {atom}`, gate}
	cfg.Drones["d1"] = config.DroneConfig{TokenSHA256: config.TokenHash("tok")}
	e, ms := startCluster(t, cfg, 3, 1)
	ctx := context.Background()
	if _, err := ms[0].store.Execute(ctx, commands.Enqueue(commands.ActorOperator, []string{"dev-libs/slow-1"})); err != nil {
		t.Fatal(err)
	}

	var lines logLines
	hold := &holdBack{host: strings.TrimPrefix(e.urls[2], "http://"), release: make(chan struct{})}
	a, err := New(Config{Orchestrator: strings.Join(e.urls, ","), ID: "d1", Token: "tok", Cores: 2, Slots: 1,
		LogDir: t.TempDir(), Version: "test"}, slog.New(slog.NewTextHandler(&lines, nil)),
		WithHTTPClient(&http.Client{Transport: hold}),
		WithSampler(&fixedSampler{s: Sample{CPUPercent: 10, MemoryPercent: 20, DiskPercent: 30}}),
		WithClaimWait(200*time.Millisecond), WithRetry(20*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		a.Abort()
		<-done
	})

	// The drone found the leader (the first URL is a follower) and builds.
	eventually(t, "the build to start", func() bool {
		m, _ := filepath.Glob(filepath.Join(gate, "started-*"))
		return len(m) == 1
	})
	held := packageState(t, ms[1].store, "dev-libs/slow-1")
	if held.State != projections.Building || a.orchestrator() != e.urls[1] {
		t.Fatalf("building %+v on %s, want building on the leader %s", held.State, a.orchestrator(), e.urls[1])
	}
	// Well past a lease and the offline limit from the claim: only the old
	// leader's memory of the heartbeats keeps the claim.
	eventually(t, "two leases of heartbeats", func() bool { return time.Since(held.ClaimedAt) > 2*cfg.Farm.Lease.Duration })

	e.lead(2)
	eventually(t, "the new leader to take over", func() bool {
		return metric(t, e.urls[2], "swarm_leading") == 1
	})
	swept := metric(t, e.urls[2], "swarm_maintenance_sweeps_total")
	eventually(t, "two sweeps of the new leader", func() bool {
		return metric(t, e.urls[2], "swarm_maintenance_sweeps_total") >= swept+2
	})
	if p := packageState(t, ms[2].store, "dev-libs/slow-1"); p.State != projections.Building || p.Fence != held.Fence {
		t.Fatalf("after the switch the package is %s (fence %d), want still building with fence %d", p.State, p.Fence, held.Fence)
	}
	close(hold.release)
	eventually(t, "the drone to follow the new leader", func() bool { return a.orchestrator() == e.urls[2] })
	if _, err := ms[2].store.Execute(ctx, commands.Enqueue(commands.ActorOperator, []string{"dev-libs/after-1"})); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gate, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both builds to be recorded", func() bool {
		return packageState(t, ms[0].store, "dev-libs/slow-1").State == projections.Built &&
			packageState(t, ms[0].store, "dev-libs/after-1").State == projections.Built
	})

	count := map[events.Type]map[string]int{}
	var completedFence uint64
	for ev, err := range ms[0].store.Log().Events(ctx, 1) {
		if err != nil {
			t.Fatal(err)
		}
		if count[ev.Type] == nil {
			count[ev.Type] = map[string]int{}
		}
		count[ev.Type][ev.Atom+ev.Drone]++
		if ev.Type == events.TypeCompleted && ev.Atom == "dev-libs/slow-1" {
			completedFence = ev.Fence
		}
	}
	for _, atom := range []string{"dev-libs/slow-1", "dev-libs/after-1"} {
		if n := count[events.TypeClaimed][atom+"d1"]; n != 1 {
			t.Errorf("%s claimed %d times, want once", atom, n)
		}
		if n := count[events.TypeCompleted][atom+"d1"]; n != 1 {
			t.Errorf("%s completed %d times, want once", atom, n)
		}
	}
	if completedFence != held.Fence {
		t.Errorf("completed under fence %d, want the old leader's %d", completedFence, held.Fence)
	}
	for _, typ := range []events.Type{events.TypeReclaimed, events.TypeReturned, events.TypeDroneOffline} {
		if len(count[typ]) != 0 {
			t.Errorf("%v across the switch: %v", typ, count[typ])
		}
	}
	if a.orchestrator() != e.urls[2] || lines.count("following the orchestrators' leader") < 2 {
		t.Errorf("the drone is on %s, want %s; log:\n%s", a.orchestrator(), e.urls[2], lines.buf.String())
	}
	// The old leader refuses the drone's writes, naming the new one.
	_, err = api.NewClient(e.urls[1], "d1", "tok", nil).Heartbeat(ctx, api.HeartbeatRequest{Health: "healthy", Version: "test"})
	if err == nil || !strings.Contains(err.Error(), e.urls[2]) {
		t.Errorf("a heartbeat to the old leader: %v, want a refusal naming %s", err, e.urls[2])
	}
}
