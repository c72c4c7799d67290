package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
)

// follow reads the stream from after until it has n events (or fails the
// test after a generous deadline) and returns their seqs.
func follow(t *testing.T, base string, after uint64, n int) []uint64 {
	t.Helper()
	seqs, err := followErr(base, after, n)
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

// followErr is follow for a goroutine other than the test's.
func followErr(base string, after uint64, n int) ([]uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var seqs []uint64
	enough := errors.New("enough")
	err := api.NewEventStream(base, "", nil).Follow(ctx, after, func(e api.StreamEvent) error {
		ev, err := e.Event()
		if err != nil || ev.Seq != e.Seq || ev.Type.String() != e.Type {
			return fmt.Errorf("event %d: %+v %v", e.Seq, ev, err)
		}
		seqs = append(seqs, e.Seq)
		if len(seqs) == n {
			return enough
		}
		return nil
	})
	if !errors.Is(err, enough) {
		return seqs, fmt.Errorf("stream after %d: %v (got %v)", after, err, seqs)
	}
	return seqs, nil
}

func wantSeqs(t *testing.T, got []uint64, from uint64) {
	t.Helper()
	for i, s := range got {
		if s != from+uint64(i) {
			t.Fatalf("seqs %v: want them dense from %d", got, from)
		}
	}
}

// The stream starts exactly after the seq asked for, from the log for what
// came before the client connected and live after, and sees appends by
// another writer of the same folder (a CLI verb beside the server).
func TestEventStreamResumesAndFollows(t *testing.T) {
	ts := startServer(t, nil)
	for i := range 5 {
		ts.enqueue(fmt.Sprintf("dev-libs/a%d-1", i))
	}
	wantSeqs(t, follow(t, ts.url, 0, 5), 1)
	wantSeqs(t, follow(t, ts.url, 3, 2), 4)

	got := make(chan []uint64, 1)
	go func() {
		seqs, err := followErr(ts.url, 5, 4)
		if err != nil {
			t.Error(err) // Error, not Fatal: this is not the test's goroutine
		}
		got <- seqs
	}()
	ts.enqueue("dev-libs/live-1")
	other, err := commands.OpenStore(ts.dir, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for i := range 3 {
		if _, err := other.Execute(context.Background(), commands.Enqueue(commands.ActorOperator, []string{fmt.Sprintf("dev-libs/cli%d-1", i)})); err != nil {
			t.Fatal(err)
		}
	}
	wantSeqs(t, <-got, 6)
}

// A client that asks with no resume point gets only what comes next; a
// resume point that is no number is refused.
func TestEventStreamFromTheEnd(t *testing.T) {
	ts := startServer(t, nil)
	ts.enqueue("dev-libs/old-1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+api.EventsPath, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("HTTP %d %q", resp.StatusCode, ct)
	}
	ts.enqueue("dev-libs/new-1")
	buf := make([]byte, 0, 4096)
	for !strings.Contains(string(buf), "dev-libs/new-1") {
		chunk := make([]byte, 4096)
		n, err := resp.Body.Read(chunk)
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, buf)
		}
		buf = append(buf, chunk[:n]...)
	}
	if strings.Contains(string(buf), "old-1") || !strings.Contains(string(buf), "id: 2\n") {
		t.Fatalf("stream from the end:\n%s", buf)
	}
	for _, bad := range []string{"?after=x", "?after=-1"} {
		if code := get(t, ts.url+api.EventsPath+bad, ""); code != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400", bad, code)
		}
	}
}

// With nobody subscribed the hub reads nothing, however the log grows;
// the first client from the end gets what comes next (not the backlog the
// hub skipped), and one resuming gets the backlog from the log.
func TestIdleHubReadsNothing(t *testing.T) {
	ts := startServer(t, nil)
	<-ts.srv.hub.ready
	start, _ := ts.srv.hub.position()
	for i := range 40 {
		ts.enqueue(fmt.Sprintf("dev-libs/idle%d-1", i))
	}
	ts.srv.hub.poke()
	time.Sleep(2 * streamPoll) // a hub that reads would have by now
	if next, busy := ts.srv.hub.position(); next != start || busy {
		t.Fatalf("hub at %d (subscribed: %v) with nobody subscribed, want still at %d", next, busy, start)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// open returns once the stream's headers came: by then the server has
	// fixed where the stream starts.
	open := func(query string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+api.EventsPath+query, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	collect := func(resp *http.Response, want string) string {
		defer resp.Body.Close()
		buf := make([]byte, 0, 4096)
		for !strings.Contains(string(buf), want) {
			chunk := make([]byte, 4096)
			n, err := resp.Body.Read(chunk)
			buf = append(buf, chunk[:n]...)
			if err != nil && !strings.Contains(string(buf), want) {
				t.Fatalf("HTTP %d: read: %v (got %q)", resp.StatusCode, err, buf)
			}
		}
		return string(buf)
	}
	read := func(query, want string) string { return collect(open(query), want) }
	live := open("")
	if _, busy := ts.srv.hub.position(); !busy {
		t.Fatal("a client follows the stream and the hub has no subscriber")
	}
	ts.enqueue("dev-libs/live-1")
	if got := collect(live, "dev-libs/live-1"); strings.Contains(got, "idle") || !strings.Contains(got, "id: 41\n") {
		t.Fatalf("stream from the end:\n%s", got)
	}
	if got := read("?after=38&limit=3", "id: 41\n"); !strings.Contains(got, "id: 39\n") || !strings.Contains(got, "idle39") {
		t.Fatalf("resumed after 38:\n%s", got)
	}
}

// A subscriber that falls streamBuffer events behind is cut off (its
// channel closed), and the others keep receiving.
func TestStreamHubCutsOffASlowClient(t *testing.T) {
	h := newStreamHub()
	close(h.ready)
	h.next = 1
	slow, _, _ := h.subscribe(context.Background())
	fast, _, _ := h.subscribe(context.Background())
	done := make(chan int)
	go func() {
		n := 0
		for range fast.ch {
			n++
		}
		done <- n
	}()
	for seq := uint64(1); seq <= streamBuffer+1; seq++ {
		h.publish(&events.Event{Seq: seq, Type: events.TypeEnqueued})
	}
	n := 0
	for range slow.ch { // closed: ranging ends
		n++
	}
	if n != streamBuffer {
		t.Fatalf("the slow client had %d events buffered, want %d", n, streamBuffer)
	}
	h.stop()
	if got := <-done; got != streamBuffer+1 {
		t.Fatalf("the client that kept up got %d events, want %d", got, streamBuffer+1)
	}
}

// A server with streams open shuts down at once: the streams end (the
// clients resume elsewhere) instead of holding the shutdown for its
// grace period (which would make Run return an error).
func TestEventStreamEndsOnShutdown(t *testing.T) {
	ts := startServer(t, nil)
	ts.enqueue("dev-libs/a-1")
	resp, err := http.Get(ts.url + api.EventsPath + "?after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufioReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("first line %q %v", line, err)
	}
	if err := ts.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := io.ReadAll(r); err != nil {
		t.Fatalf("the stream did not end cleanly: %v", err)
	}
}

// The live views are read views: beyond loopback /metrics and the stream
// need an operator's token (a bearer token, or the cookie the dashboard's
// sign-in sets); the page asks to sign in until then.
func TestLiveViewsNeedATokenBeyondLoopback(t *testing.T) {
	base := viewServer(t, "0.0.0.0:0")
	for _, path := range []string{MetricsPath, api.EventsPath + "?after=0"} {
		for _, auth := range []struct {
			header string
			want   int
		}{{"", 401}, {"Bearer token-d", 401}, {"Bearer token-bob", 200}} {
			if got := get(t, base+path, auth.header); got != auth.want {
				t.Errorf("GET %s with %q: HTTP %d, want %d", path, auth.header, got, auth.want)
			}
		}
	}
	page := func(c *http.Client) string {
		resp, err := c.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	jar := &cookieJar{}
	c := &http.Client{Jar: jar}
	if !strings.Contains(page(c), `action="/login"`) {
		t.Fatal("the page beyond loopback without a token is not the sign-in form")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"token": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || len(jar.cookies) != 0 {
		t.Fatalf("a wrong token signed in: HTTP %d, cookies %v", resp.StatusCode, jar.cookies)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"token": {"token-bob"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(jar.cookies) != 1 || !jar.cookies[0].HttpOnly {
		t.Fatalf("sign in: HTTP %d, cookies %+v", resp.StatusCode, jar.cookies)
	}
	if !strings.Contains(page(c), `src="/dashboard/app.js"`) {
		t.Fatal("signed in, the page is still not the dashboard")
	}
	req, _ := http.NewRequest(http.MethodGet, base+MetricsPath, nil)
	req.AddCookie(jar.cookies[0])
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics with the cookie: %v %v", resp, err)
	}
}

// ?limit=N ends the stream after N events, from the log or live, so a
// page can fetch one event by its seq.
func TestEventStreamLimit(t *testing.T) {
	ts := startServer(t, nil)
	ts.enqueue("dev-libs/a-1", "dev-libs/b-1", "dev-libs/c-1")
	read := func(query string) string {
		resp, err := http.Get(ts.url + api.EventsPath + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body) // ends: the server closes the stream
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read("?after=1&limit=1"); !strings.Contains(got, "id: 2\n") || strings.Contains(got, "id: 3") {
		t.Fatalf("one event after 1:\n%s", got)
	}
	done := make(chan string)
	go func() { done <- read("?after=3&limit=1") }()
	ts.srv.hub.waitPast(context.Background(), 3)
	ts.enqueue("dev-libs/d-1")
	if got := <-done; !strings.Contains(got, "id: 4\n") {
		t.Fatalf("one live event after 3:\n%s", got)
	}
	if code := get(t, ts.url+api.EventsPath+"?limit=-1", ""); code != http.StatusBadRequest {
		t.Fatalf("limit=-1: HTTP %d", code)
	}
}

// A client that stops reading is cut off once it is the hub's buffer
// behind, without holding up the others; its connection is hung up on
// when a write to it times out; and it resumes with its Last-Event-ID,
// missing nothing.
func TestEventStreamSlowClientCutOffAndResumes(t *testing.T) {
	ts := startServer(t, nil)
	h := ts.srv.hub
	h.mu.Lock()
	h.buffer, h.writeTimeout = 4, 2*time.Second
	h.mu.Unlock()
	ctx := context.Background()
	if _, err := ts.store.Log().Append(ctx, events.Event{Type: events.TypeDeployed, Actor: "operator"}); err != nil {
		t.Fatal(err)
	}
	// The slow client: asks, then reads nothing until it has been cut off.
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 1\r\n\r\n", api.EventsPath)
	waitSubscribers(t, h, 1)
	// A client that keeps up, all along.
	type result struct {
		seqs []uint64
		err  error
	}
	got := make(chan result, 1)
	const n = 128 // 32 MiB: several times what the sockets buffer
	go func() { seqs, err := followErr(ts.url, 1, n); got <- result{seqs, err} }()
	waitSubscribers(t, h, 2)
	big := strings.Repeat("x", 256<<10)
	for range n {
		if _, err := ts.store.Log().Append(ctx, events.Event{Type: events.TypeDeployed, Actor: "operator", Reason: big}); err != nil {
			t.Fatal(err)
		}
		h.poke()
	}
	fast := <-got // it may have been cut off too, and resumed
	if fast.err != nil {
		t.Fatal(fast.err)
	}
	wantSeqs(t, fast.seqs, 2)
	waitSubscribers(t, h, 0) // the fast one is done; the slow one was cut off
	// The slow client reads what reached it, up to the hang-up, and
	// resumes after the last whole event.
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body) // to the response's end, or the hang-up
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server neither ended the slow client's stream nor hung up (read %d bytes)", len(body))
	}
	last := uint64(1)
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			last, _ = strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	if last >= n+1 {
		t.Fatalf("the slow client got every event (to %d): it was never cut off", last)
	}
	rest := follow(t, ts.url, last, int(n+1-last))
	wantSeqs(t, rest, last+1)
}

// waitSubscribers waits until the hub has n subscribers.
func waitSubscribers(t *testing.T, h *streamHub, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		h.mu.Lock()
		got := len(h.subs)
		h.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub has %d subscribers, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// With nobody following the stream, the hub still moves on (metrics, the
// next seq) but encodes nothing: every claim and completion passes through
// it, and the JSON of an event nobody reads was ~6 % of a busy server's CPU.
func TestStreamHubEncodesNothingWithoutFollowers(t *testing.T) {
	h := newStreamHub()
	close(h.ready)
	e := &events.Event{Seq: 1, Type: events.TypeCompleted, Atom: "dev-libs/icu-60.2", Drone: "d1", Fence: 7}
	if n := testing.AllocsPerRun(100, func() { e.Seq++; h.publish(e) }); n != 0 {
		t.Fatalf("publish without followers: %v allocations, want 0", n)
	}
	if h.next != e.Seq+1 {
		t.Fatalf("next %d after seq %d", h.next, e.Seq)
	}
}
