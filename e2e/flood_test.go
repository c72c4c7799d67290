package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The flood: idle connections that never send a byte, held open from
// the same address as the drone, by floodHelpers processes of the test
// binary (one process may hold fewer descriptors than the flood needs).
const (
	floodConns   = 20000
	floodHelpers = 4
	serverFiles  = 2048 // the server's RLIMIT_NOFILE in this test
	floodEnv     = "SWARM_E2E_FLOOD_ADDR"
)

// TestIdleConnectionFloodDoesNotStopDrones: 20,000 idle connections with
// no token, to a real `swarm serve` whose descriptor limit is 2048, are
// all taken (the server closes the longest idle to make room rather than
// run out of descriptors), and a real `swarm drone` started while they are
// held registers, heartbeats and builds. Each connection the server closes
// is dialled again at once, so the pressure lasts the whole test. The
// server used to run out of descriptors ("too many open files") and the
// drone could not get in.
func TestIdleConnectionFloodDoesNotStopDrones(t *testing.T) {
	f := newFarm(t, everyBeat) // it counts heartbeats in the log
	f.addDrone("d1")
	f.serveOn("127.0.0.1:0", "/bin/sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$@"`, serverFiles), "sh")
	pid := f.server.pid()
	if lim := readFile(t, fmt.Sprintf("/proc/%d/limits", pid)); !strings.Contains(lim, fmt.Sprintf("Max open files            %d", serverFiles)) {
		t.Fatalf("the server's descriptor limit is not %d:\n%s", serverFiles, lim)
	}
	start := time.Now()
	helpers := startFlood(t, strings.TrimPrefix(f.url, "http://"))
	t.Logf("%d idle connections open in %v", floodConns, time.Since(start))

	// While they are held, a drone joins, heartbeats and builds.
	atoms := realAtoms(t, 600, 4)
	f.enqueue(atoms...)
	f.startDrone("d1", droneOpts{})
	maxFDs := 0
	f.waitFor(120*time.Second, "the drone to build everything while the flood is held", func() (bool, string) {
		maxFDs = max(maxFDs, fdCount(t, pid))
		s := f.status()
		return s.Queue.Built == len(atoms), fmt.Sprintf("queue %+v", s.Queue)
	})
	beats := func() int {
		return len(f.events().where(func(e event) bool { return e.Type == "drone_health" && e.Drone == "d1" }))
	}
	before := beats()
	f.waitFor(60*time.Second, "three more heartbeats from the drone while the flood is held", func() (bool, string) {
		maxFDs = max(maxFDs, fdCount(t, pid))
		n := beats()
		return n >= before+3, fmt.Sprintf("%d heartbeats recorded (%d before)", n, before)
	})
	for _, h := range helpers {
		t.Logf("flood helper: %s", h.finish(t))
	}
	t.Logf("the server's descriptors peaked at %d of %d", maxFDs, serverFiles)
	if logs := readFile(t, f.server.logPath); strings.Contains(logs, "too many open files") {
		t.Errorf("the server ran out of descriptors:\n%s", tailLines(logs, 20))
	}
}

// floodProc is one helper process holding its share of the flood.
type floodProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

// startFlood starts the helpers and waits until each holds its share.
func startFlood(t *testing.T, addr string) []*floodProc {
	t.Helper()
	var hs []*floodProc
	for range floodHelpers {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), floodEnv+"="+addr, fmt.Sprintf("SWARM_E2E_FLOOD_N=%d", floodConns/floodHelpers))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		h := &floodProc{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(out)}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		hs = append(hs, h)
	}
	for _, h := range hs {
		if !h.lines.Scan() || h.lines.Text() != "open" {
			t.Fatalf("a flood helper did not open its connections: %q %v", h.lines.Text(), h.lines.Err())
		}
	}
	return hs
}

// finish stops a helper and returns its last word (its counts).
func (h *floodProc) finish(t *testing.T) string {
	t.Helper()
	h.stdin.Close()
	var last string
	for h.lines.Scan() {
		last = h.lines.Text()
	}
	if err := h.cmd.Wait(); err != nil {
		t.Errorf("flood helper: %v (%s)", err, last)
	}
	return last
}

// floodHelper is the body of a helper process: hold SWARM_E2E_FLOOD_N idle
// connections to addr, say "open", keep them up until stdin closes, then
// print what it did.
func floodHelper(addr string) int {
	n, err := strconv.Atoi(os.Getenv("SWARM_E2E_FLOOD_N"))
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fl := newFlood(addr)
	if err := fl.open(n, 90*time.Second); err != nil {
		fmt.Printf("error: opening %d connections: %v\n", n, err)
		return 1
	}
	fmt.Println("open")
	go fl.keepUp()
	_, _ = io.Copy(io.Discard, os.Stdin)
	fl.stop()
	fmt.Printf("held %d connections, dialled %d again after the server closed them, %d dial errors\n",
		n, fl.redials.Load(), fl.dialErrs.Load())
	return 0
}

// flood holds idle TCP connections to addr and dials again each one the
// server closes.
type flood struct {
	addr     string
	closed   chan struct{} // one per connection the server closed
	done     chan struct{}
	stopOnce sync.Once
	mu       sync.Mutex
	conns    []net.Conn
	redials  atomic.Int64
	dialErrs atomic.Int64
}

func newFlood(addr string) *flood {
	return &flood{addr: addr, closed: make(chan struct{}, floodConns), done: make(chan struct{})}
}

// open dials n connections, 64 at a time, each retried until deadline.
func (fl *flood) open(n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	var wg sync.WaitGroup
	var failed atomic.Value
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	for range 64 {
		wg.Go(func() {
			for range work {
				if err := fl.dialUntil(deadline); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	return nil
}

func (fl *flood) dialUntil(deadline time.Time) error {
	for {
		c, err := net.DialTimeout("tcp", fl.addr, 10*time.Second)
		if err == nil {
			fl.hold(c)
			return nil
		}
		fl.dialErrs.Add(1)
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hold keeps c and reports when the server closes it.
func (fl *flood) hold(c net.Conn) {
	fl.mu.Lock()
	fl.conns = append(fl.conns, c)
	fl.mu.Unlock()
	go func() {
		_, _ = c.Read(make([]byte, 1)) // returns when either side closes
		c.Close()
		select {
		case fl.closed <- struct{}{}:
		case <-fl.done:
		}
	}()
}

// keepUp dials a new connection for each one closed, at most about 2,000 a
// second, until stop.
func (fl *flood) keepUp() {
	for {
		select {
		case <-fl.done:
			return
		case <-fl.closed:
		}
		if fl.dialUntil(time.Now().Add(time.Minute)) == nil {
			fl.redials.Add(1)
		}
		time.Sleep(500 * time.Microsecond)
	}
}

func (fl *flood) stop() {
	fl.stopOnce.Do(func() {
		close(fl.done)
		fl.mu.Lock()
		defer fl.mu.Unlock()
		for _, c := range fl.conns {
			c.Close()
		}
	})
}
