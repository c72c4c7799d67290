package jetstream_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The cluster harness: three member processes (member_test.go), each in
// its own folder with its own loopback route port, which a test starts,
// kills -9, stops and restarts, and drives through their stdin.

// waitFor bounds how long the harness waits for something observable (a
// member ready, a leader elected, a replica caught up): generous, since
// the machine is shared. Nothing is timed against it.
const waitFor = 2 * time.Minute

// errDead: the member died (or was killed) before it answered.
var errDead = errors.New("the member is not running")

type member struct {
	t    testing.TB
	spec memberSpec

	mu      sync.Mutex
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	pending map[int]chan string
	next    int
	exited  chan struct{} // closed when the current process has exited
	waitErr error         // how it exited
}

type cluster struct {
	t       testing.TB
	members []*member
}

// freePort is a loopback port nobody listens on now.
func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startCluster starts three members (fast Raft timing or production's)
// and waits until each has opened its log: the cluster has formed.
func startCluster(t testing.TB, fast bool) *cluster {
	root := t.TempDir()
	c := &cluster{t: t}
	var routes []string
	for range 3 {
		routes = append(routes, freePort(t))
	}
	for i, name := range []string{"a", "b", "c"} {
		c.members = append(c.members, &member{t: t, spec: memberSpec{Name: name,
			Dir: filepath.Join(root, name), Listen: routes[i], Routes: routes, Fast: fast}})
	}
	t.Cleanup(func() { // the running ones stop cleanly: their exit is checked
		alive := c.alive()
		for _, m := range c.members {
			if !slices.Contains(alive, m) {
				m.kill()
			}
		}
		var wg sync.WaitGroup
		for _, m := range alive {
			wg.Go(m.stop)
		}
		wg.Wait()
	})
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, m := range c.members {
		wg.Go(func() { errs[i] = m.start() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// start runs the member's process and waits for it to say ready.
func (m *member) start() error {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	spec, _ := json.Marshal(m.spec)
	cmd.Env = append(os.Environ(), memberEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	m.mu.Lock()
	m.cmd, m.stdin, m.pending, m.exited = cmd, stdin, map[int]chan string{}, exited
	m.mu.Unlock()
	ready := make(chan string, 1)
	go m.read(out, ready, exited)
	select {
	case line := <-ready:
		if line != "ready" {
			<-exited // it failed to open: not running, and its exit expected
			m.mu.Lock()
			m.cmd = nil
			m.mu.Unlock()
			return fmt.Errorf("member %s: %s", m.spec.Name, line)
		}
		return nil
	case <-time.After(waitFor):
		m.kill()
		return fmt.Errorf("member %s did not open its log within %s", m.spec.Name, waitFor)
	}
}

// read hands each answer to its asker; at the end, it fails the ones left.
func (m *member) read(out io.Reader, ready chan<- string, exited chan struct{}) {
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 64<<20)
	if sc.Scan() {
		ready <- sc.Text()
	} else {
		ready <- "exited before it was ready"
	}
	for sc.Scan() {
		id, rest, _ := strings.Cut(sc.Text(), " ")
		m.mu.Lock()
		var n int
		fmt.Sscan(id, &n)
		if ch, ok := m.pending[n]; ok {
			ch <- rest
			delete(m.pending, n)
		}
		m.mu.Unlock()
	}
	m.mu.Lock()
	cmd := m.cmd
	m.mu.Unlock()
	err := cmd.Wait()
	m.mu.Lock()
	m.waitErr = err
	for n, ch := range m.pending {
		close(ch)
		delete(m.pending, n)
	}
	m.mu.Unlock()
	close(exited)
}

// do sends the member one command and waits for its answer: "ok ...",
// "conflict", "noquorum ..." or "err ..."; errDead if it died first.
func (m *member) do(line string) (string, error) {
	ch := make(chan string, 1)
	m.mu.Lock()
	if m.cmd == nil || m.isExited() {
		m.mu.Unlock()
		return "", errDead
	}
	m.next++
	id := m.next
	m.pending[id] = ch
	_, err := fmt.Fprintf(m.stdin, "%d %s\n", id, line)
	m.mu.Unlock()
	if err != nil {
		return "", errDead
	}
	ans, ok := <-ch
	if !ok {
		return "", errDead
	}
	return ans, nil
}

// must is do, failing the test unless the answer is ok; it returns what
// follows "ok".
func (m *member) must(line string) string {
	ans, err := m.do(line)
	if err != nil || !strings.HasPrefix(ans, "ok") {
		m.t.Fatalf("member %s: %s: %q %v", m.spec.Name, line, ans, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(ans, "ok"))
}

// mustJSON is must for a verb that answers JSON, decoded into v.
func (m *member) mustJSON(line string, v any) {
	if err := json.Unmarshal([]byte(m.must(line)), v); err != nil {
		m.t.Fatalf("member %s: %s: %v", m.spec.Name, line, err)
	}
}

func (m *member) isExited() bool {
	select {
	case <-m.exited:
		return true
	default:
		return false
	}
}

// kill kills the member -9 and waits until it has exited.
func (m *member) kill() {
	m.mu.Lock()
	cmd, exited := m.cmd, m.exited
	m.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// stop closes the member's stdin: it closes its log and exits, which must
// go well (a data race in a -race child, too, makes it exit non-zero).
func (m *member) stop() {
	m.mu.Lock()
	stdin, exited := m.stdin, m.exited
	m.mu.Unlock()
	stdin.Close()
	<-exited
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.waitErr != nil {
		m.t.Errorf("member %s exited: %v", m.spec.Name, m.waitErr)
	}
}

// alive are the members running now.
func (c *cluster) alive() []*member {
	var out []*member
	for _, m := range c.members {
		m.mu.Lock()
		if m.cmd != nil && !m.isExited() {
			out = append(out, m)
		}
		m.mu.Unlock()
	}
	return out
}

// byName is the member named name, or nil.
func (c *cluster) byName(name string) *member {
	for _, m := range c.members {
		if m.spec.Name == name {
			return m
		}
	}
	return nil
}

// clusterInfo is the cluster verb's answer.
type clusterInfo struct {
	Leader  string
	Members []struct {
		Name    string
		Current bool
		Last    uint64
	}
}

// waitHealthy waits until every member runs, one leads, and every replica
// is current with the leader; it returns the leader.
func (c *cluster) waitHealthy() *member {
	c.t.Helper()
	deadline := time.Now().Add(waitFor)
	var last string
	for time.Now().Before(deadline) {
		if lead := c.healthy(&last); lead != nil {
			return lead
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("the cluster did not become healthy within %s: %s", waitFor, last)
	return nil
}

func (c *cluster) healthy(why *string) *member {
	if len(c.alive()) != len(c.members) {
		*why = "a member is down"
		return nil
	}
	ans, err := c.members[0].do("cluster")
	if err != nil || !strings.HasPrefix(ans, "ok ") {
		*why = fmt.Sprint(ans, err)
		return nil
	}
	var ci clusterInfo
	if err := json.Unmarshal([]byte(strings.TrimPrefix(ans, "ok ")), &ci); err != nil {
		c.t.Fatalf("cluster: %q: %v", ans, err)
	}
	*why = ans
	if ci.Leader == "" || len(ci.Members) != len(c.members) {
		return nil
	}
	for _, m := range ci.Members {
		if !m.Current {
			return nil
		}
	}
	return c.byName(ci.Leader)
}
