package logtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/swarm-build/swarm/events"
)

// crashEnv names the log folder a crash child appends to.
const crashEnv = "SWARM_LOGTEST_CRASH_CHILD"

// crashBatch is how many events each of the crash child's appends holds.
const crashBatch = 5

// CrashChild makes the test binary a crash child when RunCrash started it
// as one: call it first in TestMain. It appends batches to the log in the
// folder named by the environment and prints the last seq of each once it
// is acknowledged, until it is killed (or has appended a bounded number);
// then it exits. Otherwise it returns at once.
func CrashChild(open Opener) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		return
	}
	ctx := context.Background()
	l := open(childTB{}, dir)
	for n := range 20_000 {
		evs := make([]events.Event, crashBatch)
		for i := range evs {
			evs[i] = Ev(fmt.Sprintf("child-%d", n), i) // Priority i: its place in the append
		}
		seq, err := l.Append(ctx, evs...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("acked %d\n", seq)
	}
	os.Exit(0)
}

// childTB is the testing.TB a crash child hands its Opener: a failure
// ends the child, which the parent sees.
type childTB struct{ testing.TB }

func (childTB) Helper()                   {}
func (childTB) Cleanup(func())            {}
func (childTB) Fatal(a ...any)            { fmt.Fprintln(os.Stderr, a...); os.Exit(1) }
func (childTB) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }

// RunCrash kills (SIGKILL: no clean shutdown, no deferred work) a child
// process appending to a log, then reopens the log here: every append the
// child saw acknowledged is there, whole, and the chain verifies. Three
// rounds, each on top of the last. The test binary's TestMain must call
// CrashChild.
func RunCrash(t *testing.T, open Opener) {
	dir := t.TempDir()
	var acked uint64
	for round := range 3 {
		acked = max(acked, killChildAfter(t, dir, 40))
		l := open(t, dir)
		got := ReadAll(t, l, 1)
		err := checkCrashed(l, got, acked)
		l.Close()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		t.Logf("round %d: the child saw up to %d acknowledged, the log holds %d", round, acked, len(got))
		acked = uint64(len(got))
	}
}

func checkCrashed(l interface {
	Verify(context.Context) (events.Report, error)
}, got []events.Event, acked uint64) error {
	if uint64(len(got)) < acked {
		return fmt.Errorf("the child saw seq %d acknowledged, the log holds %d events", acked, len(got))
	}
	if len(got)%crashBatch != 0 {
		return fmt.Errorf("%d events: an append was cut (batches of %d are all or nothing)", len(got), crashBatch)
	}
	for i := 0; i < len(got); i += crashBatch {
		for j := range crashBatch {
			if e := got[i+j]; e.Actor != got[i].Actor || e.Priority != uint64(j) {
				return fmt.Errorf("event %d is not part %d of the append at %d: %+v", e.Seq, j, got[i].Seq, e)
			}
		}
	}
	if r, err := l.Verify(context.Background()); err != nil || r.Last != uint64(len(got)) {
		return fmt.Errorf("Verify = %+v, %v", r, err)
	}
	return nil
}

// killChildAfter starts a crash child on dir, kills it once it has
// reported n acknowledged appends, and returns the last seq it reported.
func killChildAfter(t *testing.T, dir string, n int) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
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
			t.Fatalf("the child said %q", sc.Text())
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
		t.Fatal("the child acknowledged nothing (does TestMain call logtest.CrashChild?)")
	}
	return last
}
