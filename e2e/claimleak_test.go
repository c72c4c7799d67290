package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestAbandonedClaimsLeaveNothingBehind: 500 drones' claim long-polls
// given up half-way (the drone hung up) leave the server's descriptor count
// where it was, and SIGTERM then stops the server cleanly and promptly.
// The server used to keep a goroutine and a connection per abandoned claim
// for good, and then waited its whole 10 s shutdown timeout for them and
// exited 1.
func TestAbandonedClaimsLeaveNothingBehind(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	token := f.addDrone("d1")
	f.serve()
	if code, body := f.post("d1", token, "register", map[string]any{"cores": 1, "health": "healthy"}); code != http.StatusOK {
		t.Fatalf("register: HTTP %d %s", code, body)
	}
	pid := f.server.pid()
	base := fdCount(t, pid)

	const n = 500
	addr := strings.TrimPrefix(f.url, "http://")
	body := `{"wait_ms":30000}`
	req := fmt.Sprintf("POST /v1/drones/d1/claim HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, token, len(body), body)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conns = append(conns, c)
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
	}
	// Evidence that the server holds them all: its descriptors grew by n,
	// give or take the few it opens and closes on its own (the log's
	// segments, a snapshot, an idle connection timing out).
	const slack = 10
	f.waitFor(startTimeout, fmt.Sprintf("the server to hold the %d claims", n), func() (bool, string) {
		got := fdCount(t, pid)
		return got >= base+n-slack, fmt.Sprintf("%d descriptors (%d before)", got, base)
	})
	// One more claim, answered at its wait's end: the server still works.
	if code, b := f.post("d1", token, "claim", map[string]any{"wait_ms": 100}); code != http.StatusOK {
		t.Fatalf("claim beside them: HTTP %d %s", code, b)
	}
	for _, c := range conns { // every drone dies
		c.Close()
	}
	conns = nil
	f.waitFor(startTimeout, "the server's descriptors back where they were", func() (bool, string) {
		got := fdCount(t, pid)
		return got <= base+slack, fmt.Sprintf("%d descriptors (%d before the claims)", got, base)
	})

	start := time.Now()
	f.server.signal(15)
	code, ok := f.server.wait(startTimeout)
	took := time.Since(start)
	t.Logf("SIGTERM to exit: %v", took)
	if !ok {
		t.Fatalf("swarm serve still running %v after SIGTERM", startTimeout)
	}
	if code != 0 {
		t.Fatalf("swarm serve exited %d after SIGTERM, want 0", code)
	}
	// The old server waited out its 10 s shutdown timeout; a loaded
	// machine may be slow, but not that slow.
	if took > 8*time.Second {
		t.Errorf("swarm serve took %v to stop after SIGTERM", took)
	}
	if logs := readFile(t, f.server.logPath); strings.Contains(logs, "shut down:") {
		t.Errorf("the server reports an unclean shutdown:\n%s", tailLines(logs, 20))
	}
}

// fdCount is the number of open descriptors of process pid.
func fdCount(t testing.TB, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("counting the descriptors of %d: %v", pid, err)
	}
	return len(ents)
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
