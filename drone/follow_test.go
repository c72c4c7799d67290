package drone

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/swarm-build/swarm/api"
)

// member is a fake orchestrator of a cluster: it answers drone calls while
// it leads and refuses them, naming the leader, while it follows.
type member struct {
	srv *httptest.Server
	c   *members

	mu     sync.Mutex
	bodies []string // bodies of the calls it took
}

type members struct {
	mu     sync.Mutex
	all    []*member
	leader int // -1: none known
}

func newMembers(t *testing.T, n, leader int) *members {
	c := &members{leader: leader}
	for range n {
		m := &member{c: c}
		m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
		t.Cleanup(m.srv.Close)
		c.all = append(c.all, m)
	}
	return c
}

func (c *members) urls() []string {
	var out []string
	for _, m := range c.all {
		out = append(out, m.srv.URL)
	}
	return out
}

func (c *members) lead(i int) {
	c.mu.Lock()
	c.leader = i
	c.mu.Unlock()
}

func (m *member) serve(w http.ResponseWriter, r *http.Request) {
	m.c.mu.Lock()
	leader := m.c.leader
	m.c.mu.Unlock()
	if leader < 0 || m.c.all[leader] != m {
		url := ""
		if leader >= 0 {
			url = m.c.all[leader].srv.URL
		}
		w.Header().Set(api.LeaderHeader, url)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"code":"not_leader","error":"not the leader"}`)
		return
	}
	b, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	m.bodies = append(m.bodies, string(b))
	m.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"seq":7}`)
}

func (m *member) took() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.bodies...)
}

// logLines collects what the follower logs.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

func followClient(urls []string, lines *logLines) (*api.Client, *follower) {
	f := newFollower(urls, nil, slog.New(slog.NewTextHandler(lines, nil)))
	return api.NewClient(urls[0], "d1", "t", &http.Client{Transport: f}), f
}

func TestFollowerGoesToTheLeaderAndResends(t *testing.T) {
	c := newMembers(t, 3, 2)
	var lines logLines
	client, f := followClient(c.urls(), &lines)
	ack, err := client.Complete(context.Background(), api.CompleteRequest{Atom: "a/b-1", Fence: 42})
	if err != nil || ack.Seq != 7 {
		t.Fatalf("complete through a follower: %+v, %v", ack, err)
	}
	if got := c.all[2].took(); len(got) != 1 || !strings.Contains(got[0], `"fence":42`) {
		t.Fatalf("the leader took %q, want the report with its fence", got)
	}
	if f.current() != c.all[2].srv.URL || lines.count("following the orchestrators' leader") != 1 {
		t.Fatalf("current %s, log %q", f.current(), lines.buf.String())
	}
	// It sticks to the leader: no more switches while it answers.
	if _, err := client.Complete(context.Background(), api.CompleteRequest{Atom: "a/b-1", Fence: 42}); err != nil {
		t.Fatal(err)
	}
	if n := lines.count("following"); n != 1 {
		t.Fatalf("%d switches logged, want 1", n)
	}
	// Leadership moves: the old leader names the new one.
	c.lead(0)
	if _, err := client.Complete(context.Background(), api.CompleteRequest{Atom: "a/b-1", Fence: 42}); err != nil {
		t.Fatal(err)
	}
	if len(c.all[0].took()) != 1 || f.current() != c.all[0].srv.URL {
		t.Fatalf("after the move: current %s, new leader took %d", f.current(), len(c.all[0].took()))
	}
}

func TestFollowerResendsUploads(t *testing.T) {
	c := newMembers(t, 2, 1)
	var lines logLines
	client, f := followClient(c.urls(), &lines)
	opened := 0
	up := api.Upload{Atom: "a/b-1", Fence: 3, Size: 4, Open: func() (io.ReadCloser, error) {
		opened++
		return io.NopCloser(strings.NewReader("zstd")), nil
	}}
	// An upload's bytes are opened again from the start for the leader.
	if err := client.BuildLog(context.Background(), up); err != nil {
		t.Fatalf("an upload through a follower: %v", err)
	}
	if got := c.all[1].took(); len(got) != 1 || got[0] != "zstd" || opened != 2 || f.current() != c.all[1].srv.URL {
		t.Fatalf("the leader took %q, opened %d times, current %s", got, opened, f.current())
	}
	// A body that cannot be sent again is left to its caller's retry (a
	// 5xx, retried), which goes to the leader.
	c.lead(0)
	req, _ := http.NewRequest(http.MethodPost, c.urls()[0]+"/v1/drones/d1/buildlog", io.NopCloser(strings.NewReader("once")))
	resp, err := (&http.Client{Transport: f}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || f.current() != c.all[0].srv.URL || len(c.all[0].took()) != 0 {
		t.Fatalf("a one-shot body through the old leader: %d, current %s", resp.StatusCode, f.current())
	}
}

func TestFollowerRotatesPastDeadAndLeaderless(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close() // nothing listens there now
	c := newMembers(t, 2, -1)
	var lines logLines
	urls := append([]string{deadURL}, c.urls()...)
	client, f := followClient(urls, &lines)
	ctx := context.Background()
	req := api.HeartbeatRequest{Health: "healthy"}
	if _, err := client.Heartbeat(ctx, req); err == nil {
		t.Fatal("a call to a dead orchestrator succeeded")
	}
	if f.current() != urls[1] {
		t.Fatalf("after a connection error: current %s, want the next %s", f.current(), urls[1])
	}
	// No leader known: the follower's refusal moves on too.
	if _, err := client.Heartbeat(ctx, req); !errors.Is(err, api.ErrNotLeader) {
		t.Fatalf("no leader anywhere: %v, want ErrNotLeader", err)
	}
	if f.current() != urls[2] {
		t.Fatalf("after a leaderless refusal: current %s, want %s", f.current(), urls[2])
	}
	c.lead(0)
	if _, err := client.Heartbeat(ctx, req); err != nil {
		t.Fatal(err)
	}
	if f.current() != urls[1] || len(c.all[0].took()) != 1 {
		t.Fatalf("current %s, want the leader %s", f.current(), urls[1])
	}
	if n := lines.count("trying the next orchestrator"); n != 2 {
		t.Errorf("%d rotations logged, want 2:\n%s", n, lines.buf.String())
	}
}

func TestFollowerIgnoresALeaderNotInItsList(t *testing.T) {
	c := newMembers(t, 2, 1)
	var lines logLines
	client, f := followClient(c.urls()[:1], &lines) // knows member 0 only
	_, err := client.Complete(context.Background(), api.CompleteRequest{Atom: "a/b-1", Fence: 1})
	if !errors.Is(err, api.ErrNotLeader) || f.current() != c.all[0].srv.URL || len(c.all[1].took()) != 0 {
		t.Fatalf("followed a leader it does not know: %v, current %s", err, f.current())
	}
}

// TestFollowerStaysWithALeaderTakingOver: a server elected but still
// taking over names itself; the drone stays and its caller retries there.
func TestFollowerStaysWithALeaderTakingOver(t *testing.T) {
	other := newMembers(t, 1, 0)
	var self *httptest.Server
	self = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(api.LeaderHeader, self.URL)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"code":"not_leader","error":"taking over"}`)
	}))
	t.Cleanup(self.Close)
	var lines logLines
	client, f := followClient([]string{self.URL, other.all[0].srv.URL}, &lines)
	if _, err := client.Heartbeat(context.Background(), api.HeartbeatRequest{}); !errors.Is(err, api.ErrNotLeader) {
		t.Fatalf("a leader taking over: %v, want ErrNotLeader", err)
	}
	if f.current() != self.URL || len(other.all[0].took()) != 0 || lines.buf.Len() != 0 {
		t.Fatalf("moved away from a leader taking over: current %s, log %q", f.current(), lines.buf.String())
	}
}
