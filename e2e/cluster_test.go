package e2e

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var clusterTrials = flag.Int("cluster.trials", 20, "kill -9 trials of TestClusterLeaderKilled (-long: 100)")

// A farm whose log is a JetStream stream replicated on three orchestrator
// hosts ([log] backend = "jetstream" with [log.jetstream] members): three
// real `swarm serve` processes on loopback, each over its own folder, with
// the same config.toml but for its own name and route.

// member is one orchestrator of the cluster.
type member struct {
	name  string
	f     *farm  // its folder; the CLI run there reaches its serve
	http  string // host:port of its HTTP API
	route string // host:port of its JetStream route listener
	srv   *proc
	runs  int
}

func (m *member) url() string { return "http://" + m.http }

// cluster is three members and the drones that know them all.
type cluster struct {
	t       *testing.T
	members []*member
	drones  *farm // holds the drones' tokens, record file and logs: member a's folder
}

// newCluster makes three member folders from one configuration: member
// a's, with the drones ids admitted, copied to b and c, each given its own
// name; every member's log on JetStream, replicas 3.
func newCluster(t *testing.T, ids []string, extra ...setting) *cluster {
	c := &cluster{t: t}
	// The members share one binhost folder, as hosts would share storage:
	// whichever leads promotes into it (the binhost is not replicated).
	shared := setting{"binhost.path", fmt.Sprintf("%q", filepath.Join(t.TempDir(), "binhost"))}
	for _, name := range []string{"a", "b", "c"} {
		f := newFarm(t, append([]setting{shared}, extra...)...)
		f.member = true
		c.members = append(c.members, &member{name: name, f: f, http: freeLoopbackAddr(t), route: freeLoopbackAddr(t)})
	}
	a := c.members[0]
	c.drones = a.f
	for _, id := range ids {
		a.f.addDrone(id)
	}
	base, err := os.ReadFile(a.f.configPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.members {
		if err := os.WriteFile(m.f.configPath(), c.memberConfig(base, m), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// memberConfig is base with the log on the cluster, as member m. The keys
// are written into the text (not set one by one with swarm config set, which
// would check a half-described cluster and record each change in a log that
// cannot open until the cluster exists).
func (c *cluster) memberConfig(base []byte, m *member) []byte {
	text := string(base)
	for _, r := range []struct{ re, to string }{
		{`(?m)^backend = "file"$`, `backend = "jetstream"`},
		{`(?m)^name = ""$`, fmt.Sprintf("name = %q", m.name)},
		{`(?m)^cluster_listen = ""$`, fmt.Sprintf("cluster_listen = %q", m.route)},
		{`(?m)^replicas = 1$`, "replicas = 3"},
		{`(?m)^route_secret = ""$`, `route_secret = "e2e-members-only-0123456789"`},
	} {
		re := regexp.MustCompile(r.re)
		if len(re.FindAllString(text, -1)) != 1 {
			c.t.Fatalf("config.toml does not hold %s once, as swarm init writes it", r.re)
		}
		text = re.ReplaceAllString(text, r.to)
	}
	var b strings.Builder
	b.WriteString(text)
	for _, o := range c.members {
		fmt.Fprintf(&b, "\n[log.jetstream.members.%s]\nroute = %q\nurl = %q\n", o.name, o.route, o.url())
	}
	return []byte(b.String())
}

// configPath is the farm's config.toml.
func (f *farm) configPath() string { return filepath.Join(f.root, ".swarm", "config.toml") }

// start starts every member's serve at once (each waits for the others to
// form the cluster) and waits until all answer.
func (c *cluster) start() {
	for _, m := range c.members {
		c.launch(m)
	}
	for _, m := range c.members {
		c.waitUp(m)
	}
}

// launch starts m's serve without waiting for it.
func (c *cluster) launch(m *member) {
	c.t.Helper()
	if err := os.MkdirAll(filepath.Join(m.f.root, "logs"), 0o755); err != nil {
		c.t.Fatal(err)
	}
	m.runs++
	p, err := startProc("server "+m.name, m.f.logFile(fmt.Sprintf("server-%d", m.runs)), m.f.baseEnv(),
		swarmBin, "--dir", m.f.root, "serve", "--listen", m.http)
	if err != nil {
		c.t.Fatal(err)
	}
	m.f.mu.Lock()
	m.f.procs = append(m.f.procs, p)
	m.f.mu.Unlock()
	m.srv = p
}

// waitUp waits until m answers /v1/health, leader or follower.
func (c *cluster) waitUp(m *member) {
	c.t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // forming waits for a quorum
	for !healthy(m.url()) {
		if m.srv.exited() {
			c.t.Fatalf("member %s's serve ended (%s); see its output below", m.name, m.srv.describeExit())
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("member %s did not answer within 2 minutes", m.name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.f.url = m.url()
}

// health is a member's /v1/health, or false when it does not answer 200
// (then why is what it said, or the error).
func health(url string) (role string, seq uint64, ok bool) {
	role, seq, ok, _ = healthWhy(url)
	return role, seq, ok
}

func healthWhy(url string) (role string, seq uint64, ok bool, why string) {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(url + "/v1/health")
	if err != nil {
		return "", 0, false, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Role string `json:"role"`
		Seq  uint64 `json:"seq"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &r) != nil {
		return "", 0, false, fmt.Sprintf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return r.Role, r.Seq, true, ""
}

// leader waits until exactly one running member says it leads, and
// returns it.
func (c *cluster) leader(timeout time.Duration) *member {
	c.t.Helper()
	var found *member
	c.drones.waitFor(timeout, "one member leading", func() (bool, string) {
		var leaders, roles []string
		found = nil
		for _, m := range c.members {
			if m.srv.exited() {
				roles = append(roles, m.name+" down")
				continue
			}
			role, _, ok, why := healthWhy(m.url())
			if !ok {
				role = "(" + why + ")"
			}
			roles = append(roles, m.name+" "+role)
			if ok && role == "leader" {
				leaders = append(leaders, m.name)
				found = m
			}
		}
		return len(leaders) == 1, strings.Join(roles, ", ")
	})
	return found
}

// caughtUp waits until the leader reports every member current: caught up
// with the log, none offline.
func (c *cluster) caughtUp(timeout time.Duration) {
	c.t.Helper()
	c.drones.waitFor(timeout, "every member caught up", func() (bool, string) {
		lead := c.leader(timeout)
		var s struct {
			Server struct {
				Cluster struct {
					Members []struct {
						Name    string `json:"name"`
						Current bool   `json:"current"`
						Offline bool   `json:"offline"`
						Lag     uint64 `json:"lag"`
					} `json:"members"`
				} `json:"cluster"`
				ClusterError string `json:"cluster_error"`
			} `json:"server"`
		}
		cl := http.Client{Timeout: 5 * time.Second}
		resp, err := cl.Get(lead.url() + "/v1/status")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			return false, err.Error()
		}
		ms := s.Server.Cluster.Members
		ok := len(ms) == len(c.members) && s.Server.ClusterError == ""
		for _, m := range ms {
			ok = ok && m.Current && !m.Offline && m.Lag == 0
		}
		return ok, fmt.Sprintf("%+v %s", ms, s.Server.ClusterError)
	})
}

// built is how many packages the farm's queue holds built, as m's
// status says.
func built(m *member) (int, bool) {
	cl := http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Get(m.url() + "/v1/status")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var s status
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&s) != nil {
		return 0, false
	}
	return s.Queue.Built, true
}

// TestClusterLeaderKilled: three orchestrators on one replicated log, eight
// drones given every member's URL, building. The stream's leader is killed
// with SIGKILL again and again while the drones build: another member takes
// over, the drones follow it, the farm builds on, and the killed member
// restarts and catches up. At the end: every claim and report a drone was
// told was recorded is in the log, no package was ever held by two claims,
// every package enqueued is built, and `swarm verify` passes on every
// member. How long the farm took to build again after each kill is logged
// (the 10 s goal is a measure, not an assertion).
func TestClusterLeaderKilled(t *testing.T) {
	t.Parallel()
	trials := *clusterTrials
	if *stormLong {
		trials = 100
	}
	ids := []string{"d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"}
	c := newCluster(t, ids)
	c.start()
	urls := make([]string, len(c.members))
	for i, m := range c.members {
		urls[i] = m.url()
	}
	c.drones.url = urls[0]
	for _, id := range ids {
		c.drones.startDrone(id, droneOpts{env: []string{"FAKE_EMERGE_SECONDS=0.3"},
			args: []string{"--orchestrator", strings.Join(urls, ",")}})
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	var enqueued []string
	enqueue := func(via *member, n int) {
		atoms := make([]string, n)
		for i := range atoms {
			atoms[i] = fmt.Sprintf("app-misc/c%d-1.0", len(enqueued)+i)
		}
		via.f.swarm(append([]string{"enqueue"}, atoms...)...)
		enqueued = append(enqueued, atoms...)
	}
	var resumes []time.Duration
	for trial := range trials {
		lead := c.leader(time.Minute)
		before, _ := built(lead)
		if len(enqueued)-before < 24 { // enough left to build through the kill
			enqueue(lead, 40)
		}
		c.drones.waitFor(time.Minute, "the farm building before the kill", func() (bool, string) {
			n, _ := built(lead)
			return n > before, fmt.Sprintf("%d built", n)
		})
		time.Sleep(time.Duration(rng.IntN(800)) * time.Millisecond) // kill at a random point of the builds
		atKill, _ := built(lead)
		lead.srv.kill9()
		killed := time.Now()
		next := c.leader(time.Minute)
		c.drones.waitFor(time.Minute, fmt.Sprintf("trial %d: building again under %s", trial, next.name), func() (bool, string) {
			n, ok := built(next)
			return ok && n > atKill, fmt.Sprintf("%d built, %d at the kill", n, atKill)
		})
		resumes = append(resumes, time.Since(killed))
		c.launch(lead) // it rejoins and catches up by itself
		c.waitUp(lead)
		c.caughtUp(time.Minute) // before another member is lost
	}
	final := c.leader(time.Minute)
	c.drones.waitFor(3*time.Minute, "every package built", func() (bool, string) {
		n, _ := built(final)
		return n == len(enqueued), fmt.Sprintf("%d of %d built", n, len(enqueued))
	})
	// Every member holds the same log, whole.
	c.drones.waitFor(time.Minute, "every member at the same seq", func() (bool, string) {
		var seqs []uint64
		for _, m := range c.members {
			built(m) // a view reads the log up to its end; health says what was read
			_, seq, _ := health(m.url())
			seqs = append(seqs, seq)
		}
		return slices.Min(seqs) == slices.Max(seqs) && seqs[0] > 0, fmt.Sprint(seqs)
	})
	for _, m := range c.members {
		if out, errOut, code := m.f.run("verify"); code != 0 {
			t.Errorf("swarm verify on member %s: exit %d\n%s%s", m.name, code, out, errOut)
		}
	}
	var st chaosStats
	c.drones.checkNoDoubleClaims(&st)
	c.drones.checkAckedInLog(ids, &st)
	c.drones.checkCompletionsBuilt()
	slices.Sort(resumes)
	t.Logf("%d kills of the leader: building again after %v median, %v at worst; %d claims, %d acknowledged claims and reports checked",
		trials, resumes[len(resumes)/2].Round(time.Millisecond), resumes[len(resumes)-1].Round(time.Millisecond),
		st.claims, st.reports)
}

// TestClusterMinorityRefuses: with two members stopped, the one left
// cannot record anything: a drone's call and an operator's enqueue are
// refused, and nothing is found in the log afterwards that was refused.
func TestClusterMinorityRefuses(t *testing.T) {
	t.Parallel()
	c := newCluster(t, []string{"d1"})
	c.start()
	lead := c.leader(time.Minute)
	lead.f.swarm("enqueue", "app-misc/before-1.0")
	c.checkClusterViews(lead)
	var alone *member
	for _, m := range c.members {
		if m == lead {
			continue
		}
		if alone == nil {
			alone = m
			continue
		}
		m.srv.kill9()
	}
	lead.srv.kill9()
	// An append without a quorum is retried for half a minute (a leader
	// may be in election) before it is refused.
	out, errOut, code := alone.f.runBin(swarmBin, "", 2*time.Minute, "--dir", alone.f.root, "enqueue", "app-misc/after-1.0")
	if code == 0 {
		t.Fatalf("a member left alone acknowledged an enqueue:\n%s", out)
	}
	if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("the refusal is not one line:\n%s", errOut)
	}
	t.Logf("refused alone: %s", strings.TrimSpace(errOut))
	// The others come back: the log holds what was acknowledged and not
	// what was refused.
	for _, m := range c.members {
		if m != alone {
			c.launch(m)
		}
	}
	for _, m := range c.members {
		if m != alone {
			c.waitUp(m)
		}
	}
	lead = c.leader(time.Minute)
	var atoms []string
	for _, r := range lead.f.queue() {
		atoms = append(atoms, r.Atom)
	}
	if !slices.Contains(atoms, "app-misc/before-1.0") || slices.Contains(atoms, "app-misc/after-1.0") {
		t.Errorf("after the quorum came back the queue holds %v; want before-1.0 and not the refused after-1.0", atoms)
	}
}

// checkClusterViews: status (human and --json) and /metrics on each member
// name the three members and the one that leads.
func (c *cluster) checkClusterViews(lead *member) {
	c.t.Helper()
	for _, m := range c.members {
		var s struct {
			Server struct {
				Role    string `json:"role"`
				Cluster struct {
					Leader  string `json:"leader"`
					Members []struct {
						Name string `json:"name"`
					} `json:"members"`
				} `json:"cluster"`
			} `json:"server"`
		}
		m.f.swarmJSON(&s, "status")
		if s.Server.Cluster.Leader != lead.name || len(s.Server.Cluster.Members) != 3 {
			c.t.Errorf("status --json on %s: cluster %+v, want 3 members led by %s", m.name, s.Server.Cluster, lead.name)
		}
		if want := map[bool]string{true: "leader", false: "follower"}[m == lead]; s.Server.Role != want {
			c.t.Errorf("status --json on %s: role %q, want %q", m.name, s.Server.Role, want)
		}
		if out := m.f.swarm("status"); !strings.Contains(out, "Cluster:") || !strings.Contains(out, lead.name+" leads") {
			c.t.Errorf("status on %s does not show the cluster led by %s:\n%s", m.name, lead.name, out)
		}
		resp, err := http.Get(m.url() + "/metrics")
		if err != nil {
			c.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{fmt.Sprintf(`swarm_cluster_leader{member=%q} 1`, lead.name), "swarm_cluster_quorum 1",
			`swarm_cluster_member_lag{member="a"}`, `swarm_cluster_member_current{member="c"}`} {
			if !strings.Contains(string(body), want) {
				c.t.Errorf("/metrics on %s lacks %s", m.name, want)
			}
		}
	}
}
