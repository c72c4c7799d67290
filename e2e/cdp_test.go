package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A small client of the Chrome DevTools Protocol over chromium's own
// --remote-debugging-pipe: JSON messages, each ended by a NUL byte, on
// file descriptors 3 (to the browser) and 4 (from it). No websocket and
// no dependency; it drives a real headless Chromium for the dashboard's
// tests.

// cdpTimeout bounds one protocol call; a loaded CI machine starts a
// browser slowly.
const cdpTimeout = 60 * time.Second

// chromiumFlags are the flags every test browser runs with: headless, no
// sandbox (tests run as root in CI), nothing fetched from Google, and a
// fresh profile (--user-data-dir, added per browser).
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
	"--no-first-run", "--disable-background-networking", "--disable-component-update",
	"--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,2000", "--remote-debugging-pipe"}

type browser struct {
	t       testing.TB
	cmd     *exec.Cmd
	out     *os.File // to the browser (its fd 3)
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpMessage
	dead    chan struct{} // closed when the browser's pipe ends
	session string        // the page's session, once opened
	stderr  bytes.Buffer
}

type cdpMessage struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// chromiumPath finds Debian's chromium, failing the test (not skipping it)
// when it is not installed.
func chromiumPath(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the dashboard's tests need a real browser: install chromium (apt-get install -y chromium)")
	return ""
}

// startBrowser starts a headless Chromium with a fresh profile; it is
// killed when the test ends.
func startBrowser(t testing.TB) *browser {
	t.Helper()
	toBrowser, out, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	in, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{}, chromiumFlags...), "--user-data-dir="+t.TempDir(), "about:blank")
	b := &browser{t: t, out: out, pending: map[int]chan cdpMessage{}, dead: make(chan struct{})}
	b.cmd = exec.Command(chromiumPath(t), args...)
	b.cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser}
	b.cmd.Stderr = &syncWriter{w: &b.stderr}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	go b.read(in)
	t.Cleanup(func() {
		out.Close()
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
		in.Close()
	})
	return b
}

// syncWriter guards a buffer the browser's stderr is copied into.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (b *browser) read(in *os.File) {
	defer close(b.dead)
	r := bufio.NewReaderSize(in, 1<<20)
	for {
		msg, err := r.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event: nothing here waits for them
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends one command (to the page's session when session) and returns
// its result.
func (b *browser) call(session bool, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	req := map[string]any{"id": id, "method": method, "params": params}
	if session {
		req["sessionId"] = b.session
	}
	data, _ := json.Marshal(req)
	_, err := b.out.Write(append(data, 0))
	b.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		return m.Result, nil
	case <-b.dead:
		return nil, fmt.Errorf("%s: chromium ended; its stderr:\n%s", method, b.stderrTail())
	case <-time.After(cdpTimeout):
		return nil, fmt.Errorf("%s: no answer within %v", method, cdpTimeout)
	}
}

func (b *browser) stderrTail() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return tailLines(b.stderr.String(), 20)
}

// open opens url in a new page and attaches to it.
func (b *browser) open(url string) {
	b.t.Helper()
	res, err := b.call(false, "Target.createTarget", map[string]any{"url": url})
	if err != nil {
		b.t.Fatal(err)
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	json.Unmarshal(res, &target)
	res, err = b.call(false, "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		b.t.Fatal(err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	json.Unmarshal(res, &att)
	b.session = att.SessionID
}

// eval evaluates a JavaScript expression in the page and decodes its
// value into v.
func (b *browser) eval(expr string, v any) error {
	res, err := b.call(true, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("eval %q: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if len(r.Result.Value) == 0 {
		return errors.New("eval: no value")
	}
	return json.Unmarshal(r.Result.Value, v)
}

// keepOnFailure saves a screenshot and the page's DOM when the test fails,
// in $SWARM_TEST_ARTIFACTS (else a folder in the temporary folder that the
// test does not remove), and says where.
func (b *browser) keepOnFailure() {
	b.t.Cleanup(func() {
		if !b.t.Failed() || b.session == "" {
			return
		}
		dir := os.Getenv("SWARM_TEST_ARTIFACTS")
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "swarm-test-artifacts")
		}
		dir = filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "_"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Logf("artefacts: %v", err)
			return
		}
		if res, err := b.call(true, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}); err == nil {
			var shot struct {
				Data string `json:"data"`
			}
			json.Unmarshal(res, &shot)
			if png, err := base64.StdEncoding.DecodeString(shot.Data); err == nil {
				os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o644)
			}
		}
		var dom string
		if b.eval("document.documentElement.outerHTML", &dom) == nil {
			os.WriteFile(filepath.Join(dir, "dom.html"), []byte(dom), 0o644)
		}
		b.t.Logf("the page's screenshot and DOM are in %s", dir)
	})
}
