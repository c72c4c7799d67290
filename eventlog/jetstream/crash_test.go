package jetstream_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/eventlog/logtest"
	"github.com/swarm-build/swarm/events"
)

// crashBatch is how many events each of the crash child's appends holds.
const crashBatch = 5

// TestMain runs the crash child when the parent test asks for one.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SWARM_JS_CRASH_CHILD"); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashChild appends batches to the log in dir and prints the last seq of
// each as soon as JetStream acknowledged it, until it is killed (or has
// appended a bounded number).
func crashChild(dir string) int {
	ctx := context.Background()
	l, err := jetstream.Open(ctx, dir, jetstream.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for n := range 20_000 {
		evs := make([]events.Event, crashBatch)
		for i := range evs {
			evs[i] = logtest.Ev(fmt.Sprintf("child-%d", n), i)
		}
		seq, err := l.Append(ctx, evs...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("acked %d\n", seq)
	}
	return 0
}

// TestCrashKeepsAcknowledged kills (SIGKILL, no clean shutdown) a process
// that runs the embedded server and appends, then restarts on the same
// store folder: every append the child saw acknowledged is there, whole,
// and the chain verifies. Three rounds, each on top of the last.
func TestCrashKeepsAcknowledged(t *testing.T) {
	dir := t.TempDir()
	var acked uint64
	for round := range 3 {
		acked = max(acked, killChildAfter(t, dir, 40))
		l := openJS(t, dir).(*jetstream.Log)
		got := logtest.ReadAll(t, l, 1)
		if uint64(len(got)) < acked {
			l.Close()
			t.Fatalf("round %d: the child saw seq %d acknowledged, the log holds %d events", round, acked, len(got))
		}
		if len(got)%crashBatch != 0 {
			l.Close()
			t.Fatalf("round %d: %d events: an append was cut (batches of %d are all or nothing)", round, len(got), crashBatch)
		}
		for i := 0; i < len(got); i += crashBatch {
			for j := range crashBatch {
				if e := got[i+j]; e.Actor != got[i].Actor || e.Priority != uint64(j) {
					l.Close()
					t.Fatalf("round %d: event %d is not part %d of the append at %d: %+v", round, e.Seq, j, got[i].Seq, e)
				}
			}
		}
		if r, err := l.Verify(context.Background()); err != nil || r.Last != uint64(len(got)) {
			l.Close()
			t.Fatalf("round %d: Verify = %+v, %v", round, r, err)
		}
		t.Logf("round %d: child acknowledged up to %d, log holds %d", round, acked, len(got))
		acked = uint64(len(got))
		l.Close()
	}
}

// killChildAfter starts the crash child on dir, kills it with SIGKILL once
// it has reported n acknowledged appends, and returns the last seq it
// reported.
func killChildAfter(t *testing.T, dir string, n int) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SWARM_JS_CRASH_CHILD="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var last uint64
	sc := bufio.NewScanner(out)
	for seen := 0; seen < n && sc.Scan(); seen++ {
		v, err := strconv.ParseUint(strings.TrimPrefix(sc.Text(), "acked "), 10, 64)
		if err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		last = v
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for sc.Scan() { // acknowledgements printed before the kill landed count too
		if v, err := strconv.ParseUint(strings.TrimPrefix(sc.Text(), "acked "), 10, 64); err == nil {
			last = v
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the child was not killed: %v", err)
	}
	if last == 0 {
		t.Fatal("the child acknowledged nothing")
	}
	return last
}

// TestDamageCutIsRefused flips a byte in the middle of the stream's block
// file: JetStream cuts the stream there without an error, and the shorter
// log would still verify, so Open must refuse it (the witness) rather than
// serve a log that lost acknowledged events.
func TestDamageCutIsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openJS(t, dir)
	for i := range 10 {
		if _, err := l.Append(ctx, logtest.Ev("a", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	blks, _ := filepath.Glob(filepath.Join(dir, "jetstream", "*", "streams", "SWARM_farm", "msgs", "*.blk"))
	if len(blks) != 1 {
		t.Fatalf("block files %v, want one", blks)
	}
	b, err := os.ReadFile(blks[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(blks[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	l2, err := jetstream.Open(ctx, dir, jetstream.Options{})
	if err == nil {
		n, _ := l2.Last(ctx)
		l2.Close()
		t.Fatalf("Open served a damaged stream (it ends at %d of 10)", n)
	}
	if !errors.Is(err, events.ErrCorrupt) || !strings.Contains(err.Error(), "held 10") {
		t.Fatalf("Open = %v, want ErrCorrupt saying it held 10", err)
	}
	// and again: the refusal does not overwrite its own evidence
	if _, err := jetstream.Open(ctx, dir, jetstream.Options{}); !errors.Is(err, events.ErrCorrupt) {
		t.Fatalf("second Open = %v, want ErrCorrupt", err)
	}
}
