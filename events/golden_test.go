package events

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The golden fixture freezes the on-disk format, after TestNew in etcd's
// wal_test.go: a fixed sequence of appends must produce exactly the segment
// files committed in testdata/golden, and those files must read back as the
// same events with the same hash chain. A format change then fails here,
// not in users' logs. Regenerate only on purpose:
//
//	go test ./events -run TestGolden -update-golden

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden from the current format")

const goldenDir = "testdata/golden"

// goldenHead is the chain value after the last golden event. It depends on
// the record encoding and the chain's definition, not on framing or
// compression: it must never change.
const goldenHead = "1ef4c80782240e7d77ab202d6cdff85dacf228d9db6965c563da5513c82beb19"

var goldenOpts = Options{SegmentBytes: 2048, Now: fixedClock}

// goldenAppends are the golden log's Append calls, in order: single events
// of every kind of field, bulk appends large enough to be compressed, enough
// to fill and seal two segments, and a tail of raw and compressed loose
// frames. Some events have no time: the log's clock (fixedClock) fills it in.
func goldenAppends() [][]Event {
	at := func(s int) time.Time { return fixedClock().Add(time.Duration(s)*time.Second + 250*time.Millisecond) }
	singles := []Event{
		{Time: at(1), Type: TypeFreshStarted, Actor: "operator", Tree: "gentoo@7f3a9c1"},
		{Time: at(2), Type: TypeDroneRegistered, Actor: "drone-01", Drone: "drone-01", Cores: 16, MemoryMB: 32768,
			Capabilities: []string{"amd64", "lto", ""}, Version: "0.1.0"},
		{Time: at(3), Type: TypeDroneHealth, Actor: "drone-01", Drone: "drone-01", Health: "healthy",
			CPUPercent: 12.5, MemoryPercent: 40.25, DiskPercent: 61.5, Load: 3.07},
		{Time: at(4), Type: TypeEnqueued, Actor: "operator", Atom: "sys-devel/llvm-19.1.7"},
		{Time: at(5), Type: TypeClaimed, Actor: "orchestrator", Atom: "sys-devel/llvm-19.1.7", Drone: "drone-01",
			Fence: 5, Lease: time.Minute, Attempt: 1},
		{Time: at(25), Type: TypeLeaseRenewed, Actor: "drone-01", Atom: "sys-devel/llvm-19.1.7", Drone: "drone-01",
			Fence: 5, Lease: time.Minute, Progress: 1 << 20},
		{Time: at(40), Type: TypeFailed, Actor: "drone-01", Atom: "sys-devel/llvm-19.1.7", Drone: "drone-01", Fence: 5,
			Signature: "slot-conflict", Reason: "emerge exited 1",
			Excerpt: "!!! Multiple package instances within a single package slot have been pulled\n", Final: true},
		{Time: at(41), Type: TypeGrounded, Actor: "orchestrator", Drone: "drone-01", Reason: "three failures",
			Until: at(41).Add(time.Hour)},
		{Type: TypeUngrounded, Actor: "operator", Drone: "drone-01"}, // time from the clock
		{Time: at(50), Type: TypeBinpkgUploaded, Actor: "drone-01", Atom: "dev-libs/libfoo-1.0", Drone: "drone-01",
			Fence: 6, SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Size: 123456},
		{Time: at(51), Type: TypeExcluded, Actor: "operator", Pattern: "dev-lang/rust*", Reason: "too big"},
		{Time: at(52), Type: TypeDeployed, Actor: "operator", Remote: "binhost", Version: "2026.01.23"},
	}
	calls := [][]Event{}
	for _, e := range singles {
		calls = append(calls, []Event{e})
	}
	bulk := make([]Event, 400) // over compressAbove: one compressed loose frame
	for i := range bulk {
		bulk[i] = Event{Time: at(60), Type: TypeEnqueued, Actor: "operator", Atom: fmt.Sprintf("dev-perl/Golden-%03d-1.%d", i, i%7)}
	}
	calls = append(calls, bulk)
	for i := range 30 { // the first seals the full segment
		calls = append(calls, []Event{{Time: at(70 + i), Type: TypeDroneHealth, Actor: "drone-02", Drone: "drone-02",
			Health: "healthy", CPUPercent: float64(i) * 3.3, Load: float64(i) / 4}})
	}
	calls = append(calls, []Event{{Type: TypeQueuePaused, Actor: "operator", Reason: "golden"}},
		[]Event{{Time: at(200), Type: TypeFreshCompleted, Actor: "orchestrator", Tree: "gentoo@7f3a9c1", Count: 401}})
	tail := make([]Event, 400) // a compressed loose frame in the tail
	for i := range tail {
		tail[i] = Event{Time: at(300 + i), Type: TypeDequeued, Actor: "operator", Atom: fmt.Sprintf("dev-perl/Golden-%03d-1.%d", i, i%7)}
	}
	return append(calls, tail)
}

// writeGolden writes the golden log into dir and returns its events as the
// log stored them.
func writeGolden(t *testing.T, dir string) []Event {
	t.Helper()
	l, err := Open(dir, goldenOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var evs []Event
	for i, call := range goldenAppends() {
		if i == 5 { // one conditional append, the way deciders write
			call = slices.Clone(call)
			last, err := l.AppendIf(context.Background(), uint64(len(evs)), call...)
			if err != nil || last != uint64(len(evs)+1) {
				t.Fatalf("append if: %d %v", last, err)
			}
			evs = append(evs, call...)
			continue
		}
		evs = append(evs, appendT(t, l, call...)...)
	}
	return evs
}

// TestGoldenFiles writes the golden log and compares its segment files with
// the committed ones, byte for byte.
func TestGoldenFiles(t *testing.T) {
	dir := t.TempDir()
	writeGolden(t, dir)
	got := segmentFiles(t, dir)
	if *updateGolden {
		old, _ := filepath.Glob(filepath.Join(goldenDir, "*"+segSuffix))
		for _, f := range old {
			os.Remove(f)
		}
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range got {
			if err := os.WriteFile(filepath.Join(goldenDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("rewrote %d golden segments", len(got))
	}
	want := segmentFiles(t, goldenDir)
	if len(want) < 3 {
		t.Fatalf("only %d golden segments; want at least 3 (sealed, sealed, loose)", len(want))
	}
	for _, name := range sortedKeys(want, got) {
		g, w := got[name], want[name]
		if !bytes.Equal(g, w) {
			at := 0
			for at < min(len(g), len(w)) && g[at] == w[at] {
				at++
			}
			t.Errorf("segment %s (%d bytes) differs from %s (%d bytes) at byte %d: the on-disk format changed.\n"+
				"If that is intended, bump formatVersion or keep old logs readable, then rerun with -update-golden.",
				name, len(g), goldenDir, len(w), at)
		}
	}
}

// TestGoldenReadable reads the committed golden files, as a newer swarm
// reads an older log: the same events, the same chain, and a writer can
// append to it.
func TestGoldenReadable(t *testing.T) {
	ctx := context.Background()
	want := writeGolden(t, t.TempDir())
	l := openT(t, goldenDir, Options{ReadOnly: true})
	checkEvents(t, l, want)
	r, err := l.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.HeadHex != goldenHead {
		t.Errorf("chain head of the golden log is %s, want %s: the record encoding or the chain changed", r.HeadHex, goldenHead)
	}
	flags := map[uint8]int{}
	for _, s := range readSegments(t, goldenDir) {
		for _, fr := range s.scan.frames {
			flags[fr.hdr.flags]++
		}
	}
	if flags[0] == 0 || flags[flagZstd] == 0 || flags[flagZstd|flagDelta] < 2 {
		t.Errorf("golden frames by flags %v: want raw and compressed loose frames and sealed frames", flags)
	}

	w := openT(t, copyDir(t, goldenDir), goldenOpts)
	more := appendT(t, w, Event{Type: TypeQueueResumed, Actor: "operator"})
	checkEvents(t, w, append(want, more...))
}

// segmentFiles returns the segment files in dir by name.
func segmentFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for name, b := range snapshotDir(t, dir) {
		if strings.HasSuffix(name, segSuffix) {
			files[name] = b
		}
	}
	return files
}

func sortedKeys(ms ...map[string][]byte) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
