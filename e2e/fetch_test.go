package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runIn runs swarm with working folder dir and no --dir, as an operator on
// a laptop would.
func (f *farm) runIn(dir string, args ...string) (stdout, stderr string, code int) {
	f.t.Helper()
	return f.runBin(swarmBin, dir, cliTimeout, args...)
}

var fetchedRE = regexp.MustCompile(`^fetched (\d+) events \(seq (\d+) to (\d+)\) from `)

// fetched runs swarm fetch in dir and returns the range it copied.
func (f *farm) fetched(dir string, args ...string) (from, to uint64) {
	f.t.Helper()
	out, errOut, code := f.runIn(dir, append([]string{"fetch"}, args...)...)
	m := fetchedRE.FindStringSubmatch(out)
	if code != 0 || m == nil {
		f.t.Fatalf("swarm fetch %v: exit %d\n%s%s", args, code, out, errOut)
	}
	from, _ = strconv.ParseUint(m[2], 10, 64)
	to, _ = strconv.ParseUint(m[3], 10, 64)
	return from, to
}

// sameLog checks that the copy in dir holds the farm's events 1..to, each
// as the farm's own log prints it.
func (f *farm) sameLog(dir string, to uint64) {
	f.t.Helper()
	want := strings.SplitAfter(f.swarm("log", "--all", "--json", "-n", "1000000"), "\n")
	got, errOut, code := f.runIn(dir, "log", "--all", "--json", "-n", "1000000")
	if code != 0 {
		f.t.Fatalf("swarm log in the copy: exit %d: %s", code, errOut)
	}
	if uint64(len(want)) < to || strings.Join(want[:to], "") != got {
		f.t.Errorf("the copy's log differs from the farm's first %d events:\n%s", to, got)
	}
}

// TestFetchCopiesTheLogIncrementally: an operator copies a running farm's
// log into an empty folder on a laptop, then, after more builds, fetches
// again without a URL and gets only what is new; the copy is the farm's
// log event for event and replays offline. A folder holding another
// farm's log is refused and left as it was.
func TestFetchCopiesTheLogIncrementally(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("d1")
	f.serve()
	atoms := realAtoms(t, 1800, 5)
	f.enqueue(atoms[:3]...)
	f.startDrone("d1", droneOpts{})
	f.waitSettled(60 * time.Second)

	laptop := t.TempDir()
	from, first := f.fetched(laptop, f.url)
	if from != 1 {
		t.Errorf("the first fetch began at seq %d, want 1", from)
	}
	f.sameLog(laptop, first)

	f.enqueue(atoms[3:]...)
	f.waitSettled(60 * time.Second)
	from, second := f.fetched(laptop) // the URL is remembered
	if from != first+1 || second <= first {
		t.Errorf("the second fetch copied seq %d to %d; want from %d on", from, second, first+1)
	}
	f.sameLog(laptop, second)
	var then status
	out, errOut, code := f.runIn(laptop, "replay", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &then) != nil || then.Queue.Built != len(atoms) {
		t.Errorf("replay in the copy: exit %d, %s %s; want %d built", code, out, errOut, len(atoms))
	}

	other := t.TempDir()
	if _, errOut, code := f.runIn(other, "init"); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := f.runIn(other, "enqueue", "dev-libs/other-1.0"); code != 0 {
		t.Fatal(errOut)
	}
	before, _, _ := f.runIn(other, "log", "--all", "--json")
	if _, errOut, code := f.runIn(other, "fetch", f.url); code != 1 || !strings.Contains(errOut, "differ") {
		t.Errorf("fetch into another farm's folder: exit %d, %q; want 1 and that the logs differ", code, errOut)
	}
	if after, _, _ := f.runIn(other, "log", "--all", "--json"); after != before {
		t.Errorf("a refused fetch changed the log:\n%s", after)
	}
	if _, err := os.Stat(filepath.Join(laptop, ".swarm", "origin")); err != nil {
		t.Errorf("the fetched folder does not remember its origin: %v", err)
	}
}
