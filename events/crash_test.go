package events_test

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/internal/testenv"
)

// Crash tests with real processes: the test binary re-executes itself as a
// writer (see TestMain), which appends until it is killed with SIGKILL at a
// random moment. What a writer printed had been acknowledged by Append, so it
// must be in the log however the process died.

var (
	long      = flag.Bool("long", false, "run the long crash test (1,000 kill trials)")
	crashSeed = flag.Uint64("crash.seed", 0, "seed of the crash test's kill schedule (0: from the clock, logged)")
)

// The writer's configuration, passed in its environment.
const (
	envWriter  = "SWARM_EVENTS_CRASH_WRITER" // the log folder; set: run the writer, not the tests
	envID      = "SWARM_EVENTS_WRITER_ID"
	envSeed    = "SWARM_EVENTS_WRITER_SEED"
	envCalls   = "SWARM_EVENTS_WRITER_CALLS"   // Append calls per goroutine; 0: until killed
	envWorkers = "SWARM_EVENTS_WRITER_WORKERS" // goroutines appending at once

	// crashSegmentBytes is small so that kills land in seals and rolls too:
	// a bulk append of the farm mix (about 20 KiB compressed) fills a segment.
	crashSegmentBytes = 16 << 10
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(envWriter); dir != "" {
		os.Exit(runWriter(dir))
	}
	os.Exit(m.Run())
}

// runWriter is the writer process. It prints "open" once it has opened the
// log, then for each Append that returns
//
//	ack LAST N TAG      the N events up to seq LAST carry tags TAG, TAG+1, ...
//	if EXPECT LAST TAG  an AppendIf(EXPECT) of one event succeeded
//	conflict EXPECT TAG an AppendIf(EXPECT) failed with ErrConflict
//
// where a tag, ID.WORKER.K, is in each event's Reason. A line is printed
// with one write, after Append returned.
func runWriter(dir string) int {
	id := os.Getenv(envID)
	seed, _ := strconv.ParseUint(os.Getenv(envSeed), 10, 64)
	calls, _ := strconv.Atoi(os.Getenv(envCalls))
	workers, _ := strconv.Atoi(os.Getenv(envWorkers))
	pool := eventmix.Generate(seed, 8, 5000)
	l, err := events.Open(dir, events.Options{SegmentBytes: crashSegmentBytes})
	if err != nil {
		fmt.Fprintf(os.Stderr, "writer %s: %v\n", id, err)
		return 2
	}
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		os.Stdout.WriteString(fmt.Sprintf(format, args...))
	}
	say("open\n")
	var lastSeen atomic.Uint64
	var wg sync.WaitGroup
	var failed atomic.Bool
	for w := range max(workers, 1) {
		wg.Go(func() {
			if err := writerLoop(l, id, w, seed, calls, pool, &lastSeen, say); err != nil {
				fmt.Fprintf(os.Stderr, "writer %s.%d: %v\n", id, w, err)
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil || failed.Load() {
		fmt.Fprintf(os.Stderr, "writer %s: close: %v\n", id, err)
		return 3
	}
	return 0
}

// writerLoop appends a mix of single events (most calls), small batches,
// bulks of 1,000 and conditional appends, in farm-mix events tagged in their
// Reason.
func writerLoop(l *events.Log, id string, w int, seed uint64, calls int, pool []events.Event,
	lastSeen *atomic.Uint64, say func(string, ...any)) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, uint64(w)))
	pos := rng.IntN(len(pool))
	k := 0
	for call := 0; calls == 0 || call < calls; call++ {
		n, cond := 1, false
		switch r := rng.IntN(100); {
		case r < 12:
			n = 1000
		case r < 22:
			n = 2 + rng.IntN(40)
		case r < 32:
			cond = true
		}
		evs := make([]events.Event, n)
		for i := range evs {
			evs[i] = pool[pos]
			evs[i].Reason = fmt.Sprintf("%s.%d.%d", id, w, k+i)
			pos = (pos + 1) % len(pool)
		}
		tag := evs[0].Reason
		if cond {
			expect := lastSeen.Load()
			last, err := l.AppendIf(ctx, expect, evs...)
			switch {
			case errors.Is(err, events.ErrConflict):
				say("conflict %d %s\n", expect, tag)
			case err != nil:
				return err
			default:
				say("if %d %d %s\n", expect, last, tag)
				setMax(lastSeen, last)
			}
		} else {
			last, err := l.Append(ctx, evs...)
			if err != nil {
				return err
			}
			say("ack %d %d %s\n", last, n, tag)
			setMax(lastSeen, last)
		}
		k += n
	}
	return nil
}

func setMax(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// writerProc is a running writer process.
type writerProc struct {
	id     string
	cmd    *exec.Cmd
	opened chan struct{} // closed when it has opened the log
	bulk   chan struct{} // closed when a bulk append returned: the next append seals
	lines  chan []string // the whole lines it printed, once it has exited
	stderr strings.Builder
}

func startWriter(t *testing.T, dir, id string, seed uint64, calls, workers int) *writerProc {
	t.Helper()
	p := &writerProc{id: id, opened: make(chan struct{}), bulk: make(chan struct{}), lines: make(chan []string, 1)}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	// The writer is this test binary (race-built under -race): without
	// the race runtime's second of sleep at exit.
	p.cmd.Env = testenv.Env(append(os.Environ(), envWriter+"="+dir, envID+"="+id,
		fmt.Sprintf("%s=%d", envSeed, seed), fmt.Sprintf("%s=%d", envCalls, calls),
		fmt.Sprintf("%s=%d", envWorkers, workers)))
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		var lines []string
		bulk := p.bulk
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			if err != nil { // a line cut by the kill is no acknowledgement
				break
			}
			if line == "open\n" {
				close(p.opened)
				continue
			}
			lines = append(lines, strings.TrimSuffix(line, "\n"))
			if strings.HasPrefix(line, "ack ") && strings.Contains(line, " 1000 ") && bulk != nil {
				close(bulk)
				bulk = nil
			}
		}
		io.Copy(io.Discard, r)
		p.lines <- lines
	}()
	return p
}

// wait waits for the writer to exit and returns what it printed. killed says
// whether the test killed it; otherwise it must have exited cleanly.
func (p *writerProc) wait(t *testing.T, killed bool) []string {
	t.Helper()
	lines := <-p.lines
	err := p.cmd.Wait()
	if killed {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				return lines
			}
		}
	}
	if err != nil || killed {
		t.Fatalf("writer %s ended with %v (want SIGKILL: %v); stderr:\n%s", p.id, err, killed, p.stderr.String())
	}
	return lines
}

// logState is what the writers of one log acknowledged.
type logState struct {
	dir       string
	acked     map[uint64]string // seq -> the tag of its event
	conflicts map[string]uint64 // tag -> expected seq, of AppendIf calls that failed
	reader    *events.Log       // a reader kept open across trials, following the log
	read      uint64            // what reader has read
}

func newLogState(dir string) *logState {
	return &logState{dir: dir, acked: map[uint64]string{}, conflicts: map[string]uint64{}}
}

// record parses a writer's lines into s.
func (s *logState) record(t *testing.T, lines []string) {
	t.Helper()
	for _, line := range lines {
		var a, b uint64
		var tag string
		switch {
		case scan(line, "ack %d %d %s", &a, &b, &tag):
			id, k := splitTag(t, tag)
			for i := range b {
				s.acked[a-b+1+i] = fmt.Sprintf("%s.%d", id, k+int(i))
			}
		case scan(line, "if %d %d %s", &a, &b, &tag):
			if b != a+1 {
				t.Fatalf("AppendIf(%d) succeeded with seq %d: %q", a, b, line)
			}
			s.acked[b] = tag
		case scan(line, "conflict %d %s", &a, &tag):
			s.conflicts[tag] = a
		default:
			t.Fatalf("writer printed %q", line)
		}
	}
}

func scan(line, format string, args ...any) bool {
	n, err := fmt.Sscanf(line, format, args...)
	return err == nil && n == len(args)
}

// splitTag splits ID.WORKER.K into ID.WORKER and K.
func splitTag(t *testing.T, tag string) (string, int) {
	i := strings.LastIndexByte(tag, '.')
	k, err := strconv.Atoi(tag[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("bad tag %q", tag)
	}
	return tag[:i], k
}

// check opens the log, read-only or as a writer (which repairs a torn tail),
// and checks it against what was acknowledged: Verify passes, seqs are dense
// from 1, every acknowledged event is there with its tag, no tag is there
// twice, and no failed AppendIf wrote anything. A writer also appends one
// event, which must get the next seq. It returns the number of events.
func (s *logState) check(t *testing.T, write bool, tag string) uint64 {
	t.Helper()
	ctx := context.Background()
	l, err := events.Open(s.dir, events.Options{ReadOnly: !write, SegmentBytes: crashSegmentBytes})
	if err != nil {
		t.Fatalf("open (write %v): %v", write, err)
	}
	defer l.Close()
	if write {
		if torn, err := events.NewestTorn(s.dir); err != nil || torn {
			t.Fatalf("a writer opened the log, yet its tail is torn (%v)", err)
		}
	}
	r, err := l.Verify(ctx)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	seen := map[string]uint64{}
	tags := []string{""}
	n := uint64(0)
	for e, err := range l.Events(ctx, 1) {
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		n++
		if e.Seq != n {
			t.Fatalf("event %d has seq %d", n, e.Seq)
		}
		if prev, dup := seen[e.Reason]; dup {
			t.Fatalf("tag %q at seq %d and %d", e.Reason, prev, e.Seq)
		}
		seen[e.Reason] = e.Seq
		tags = append(tags, e.Reason)
	}
	s.follow(t, tags)
	if n != r.Events || n != r.Last {
		t.Fatalf("iterator read %d events, verify %d (last %d)", n, r.Events, r.Last)
	}
	for seq, want := range s.acked {
		if got, ok := seen[want]; !ok || got != seq {
			t.Fatalf("acknowledged event %s (seq %d) is at seq %d (present: %v)", want, seq, got, ok)
		}
	}
	for tag, expect := range s.conflicts {
		if seq, ok := seen[tag]; ok {
			t.Fatalf("AppendIf(%d) failed with a conflict, yet its event %s is at seq %d", expect, tag, seq)
		}
		if expect >= n {
			t.Fatalf("AppendIf(%d) had a conflict, but the log holds only %d events", expect, n)
		}
	}
	if n > 0 {
		if h, err := l.ChainAfter(ctx, n); err != nil || h != r.Head {
			t.Fatalf("chain after %d: %v, %v; verify says %v", n, h, err, r.Head)
		}
	}
	if write {
		last, err := l.Append(ctx, events.Event{Type: events.TypeQueuePaused, Actor: "operator", Reason: tag})
		if err != nil || last != n+1 {
			t.Fatalf("append after reopen: seq %d, %v; want %d", last, err, n+1)
		}
		s.acked[last] = tag
		n++
	}
	return n
}

// follow reads what is new since the last check with the reader kept open,
// as a process that follows the log does, and compares it with tags, the
// whole log read afresh.
func (s *logState) follow(t *testing.T, tags []string) {
	t.Helper()
	if s.reader == nil {
		l, err := events.Open(s.dir, events.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		s.reader = l
	}
	for e, err := range s.reader.Events(context.Background(), s.read+1) {
		if err != nil {
			t.Fatalf("following reader, from %d: %v", s.read+1, err)
		}
		if e.Seq != s.read+1 || e.Seq >= uint64(len(tags)) || e.Reason != tags[e.Seq] {
			t.Fatalf("following reader read seq %d (%q) after %d; the log holds %d events",
				e.Seq, e.Reason, s.read, len(tags)-1)
		}
		s.read++
	}
	if s.read != uint64(len(tags)-1) {
		t.Fatalf("following reader read up to %d; the log holds %d events", s.read, len(tags)-1)
	}
}

// kill kills the writer at a random moment: one kill in five while it
// starts and opens (and repairs) the log; one in four just after a bulk
// append returned, when the next append seals the full segment and starts
// another; the others up to 200 ms after it opened the log.
func (p *writerProc) kill(rng *rand.Rand) {
	wait := func(c chan struct{}) {
		select {
		case <-c:
		case <-time.After(10 * time.Second): // it failed; wait reports why
		}
	}
	switch r := rng.IntN(20); {
	case r < 4:
		time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
	case r < 9:
		wait(p.bulk)
		time.Sleep(time.Duration(rng.IntN(60000)) * time.Microsecond)
	default:
		wait(p.opened)
		time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
	}
	p.cmd.Process.Kill()
}

// TestCrashKill kills writers with SIGKILL at random moments, one writer or
// two at once, ten trials to a log: after every kill, every acknowledged
// event must be in the log, in its place, exactly once; a writer must open
// the log (cutting a torn tail) and append the next seq; Verify must pass.
// Every other check opens the log read-only, so that the next writer finds
// and repairs what the kill left.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills writer processes; not in -short")
	}
	trials := 50
	if *long {
		trials = 1000
	}
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("kill schedule seed %d (rerun with -crash.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var st *logState
	var stats struct{ acks, events, twoWriters, midSeal, cuts, segments int }
	for trial := range trials {
		if trial%10 == 0 {
			st = newLogState(t.TempDir())
		}
		procs := []*writerProc{}
		nproc := 1
		if trial%4 == 3 {
			nproc = 2
			stats.twoWriters++
		}
		for i := range nproc {
			id := fmt.Sprintf("t%dp%d", trial, i)
			procs = append(procs, startWriter(t, st.dir, id, rng.Uint64(), 0, 1+rng.IntN(3)))
		}
		var wg sync.WaitGroup
		for _, p := range procs {
			r := rand.New(rand.NewPCG(rng.Uint64(), 0))
			wg.Go(func() { p.kill(r) })
		}
		wg.Wait()
		for _, p := range procs {
			lines := p.wait(t, true)
			stats.acks += len(lines)
			st.record(t, lines)
		}
		stats.midSeal += countFiles(t, st.dir, ".tmp")
		write := trial%2 == 1
		n := st.check(t, write, fmt.Sprintf("check%d", trial))
		if trial%10 == 9 || trial == trials-1 {
			stats.events += int(n)
			stats.cuts += countFiles(t, st.dir, ".torn-")
			stats.segments += countFiles(t, st.dir, ".seg")
		}
		if t.Failed() {
			t.Fatalf("trial %d (seed %d)", trial, seed)
		}
	}
	t.Logf("%d trials (%d with two writers): %d acknowledged appends, %d events in %d segments; "+
		"killed mid-seal (a seal's temp file left) %d times; %d torn tails cut",
		trials, stats.twoWriters, stats.acks, stats.events, stats.segments, stats.midSeal, stats.cuts)
}

// countFiles counts the files in dir whose names contain part.
func countFiles(t *testing.T, dir, part string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if strings.Contains(e.Name(), part) {
			n++
		}
	}
	return n
}

// TestTwoProcessesAppend runs two writer processes on one log until each has
// made its calls: no seq lost or given twice, every event there exactly once.
func TestTwoProcessesAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("runs writer processes; not in -short")
	}
	dir := t.TempDir()
	const calls, workers = 60, 3
	a := startWriter(t, dir, "a", 1, calls, workers)
	b := startWriter(t, dir, "b", 2, calls, workers)
	st := newLogState(dir)
	st.record(t, a.wait(t, false))
	st.record(t, b.wait(t, false))
	if got := len(st.acked) + len(st.conflicts); got < 2*calls*workers {
		t.Fatalf("%d events acknowledged or refused, want at least one per call (%d)", got, 2*calls*workers)
	}
	n := st.check(t, false, "")
	if n != uint64(len(st.acked)) {
		t.Fatalf("log holds %d events, %d were acknowledged", n, len(st.acked))
	}
	t.Logf("%d events from 2 processes (%d AppendIf conflicts), %d segments",
		n, len(st.conflicts), countFiles(t, dir, ".seg"))
}
