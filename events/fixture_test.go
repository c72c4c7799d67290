package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Helpers shared by the tests that damage, fuzz and freeze real log files.

// fixedClock is the clock of every log a test wants to be reproducible.
func fixedClock() time.Time { return time.Date(2026, 1, 23, 2, 0, 0, 0, time.UTC) }

// appendT appends evs and returns them as the log stored them (Seq and Time
// filled in).
func appendT(t testing.TB, l *Log, evs ...Event) []Event {
	t.Helper()
	evs = slices.Clone(evs)
	last, err := l.Append(context.Background(), evs...)
	if err != nil {
		t.Fatalf("append %d events: %v", len(evs), err)
	}
	if evs[len(evs)-1].Seq != last {
		t.Fatalf("append returned %d, last event got seq %d", last, evs[len(evs)-1].Seq)
	}
	return evs
}

// bulkEvents returns n distinct events starting from pattern number i.
func bulkEvents(i, n int) []Event {
	evs := make([]Event, n)
	for k := range evs {
		evs[k] = sampleEvent(i + k)
		evs[k].Reason = fmt.Sprintf("bulk %d", i+k)
	}
	return evs
}

// segFile is one segment as the tests see it: its name, bytes and frames.
type segFile struct {
	name string
	data []byte
	scan *scanned
}

// readSegments reads and scans every segment in dir, the newest as a tail.
func readSegments(t testing.TB, dir string) []segFile {
	t.Helper()
	names, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	var segs []segFile
	for i, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		s, err := scanSegment(name, data, i == len(names)-1)
		if err != nil {
			t.Fatalf("scan %s: %v", name, err)
		}
		segs = append(segs, segFile{name: name, data: data, scan: s})
	}
	return segs
}

// sealed reports whether every frame of the segment is a sealed frame.
func (s segFile) sealed() bool {
	for _, fr := range s.scan.frames {
		if fr.hdr.flags&flagDelta == 0 {
			return false
		}
	}
	return len(s.scan.frames) > 0
}

// snapshotDir returns every file in dir (but LOCK) and its bytes.
func snapshotDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		if e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// copyDir copies the files of src into a new temporary folder.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	for name, b := range snapshotDir(t, src) {
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// sameFiles fails unless dir holds exactly the files of want, byte for byte.
func sameFiles(t testing.TB, dir string, want map[string][]byte) {
	t.Helper()
	got := snapshotDir(t, dir)
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s changed (%d bytes, was %d)", name, len(got[name]), len(b))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected new file %s", name)
		}
	}
}

// checkEvents fails unless the log holds exactly want, in order, and verifies.
func checkEvents(t testing.TB, l *Log, want []Event) {
	t.Helper()
	got := collect(t, l, 1)
	if len(got) != len(want) {
		t.Fatalf("log holds %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameEvent(got[i], want[i]) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i+1, got[i], want[i])
		}
	}
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if r.Events != uint64(len(want)) || r.Last != uint64(len(want)) {
		t.Fatalf("verify counted %d events, last %d; want %d", r.Events, r.Last, len(want))
	}
}

// sameEvent compares events by their canonical records, which is what the
// log stores and hashes.
func sameEvent(a, b Event) bool {
	return bytes.Equal(AppendRecord(nil, &a), AppendRecord(nil, &b))
}

// wantCorrupt fails unless err wraps ErrCorrupt and names every one of what.
func wantCorrupt(t testing.TB, err error, what ...string) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("want ErrCorrupt, got %v", err)
	}
	for _, w := range what {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not name %q", err, w)
		}
	}
}

// caseT is the testing.TB of one case run by runCases: Fatal ends the case
// (not the test) and every message names the case.
type caseT struct {
	testing.TB
	name string
}

func (c caseT) Helper() {}
func (c caseT) Errorf(format string, args ...any) {
	c.TB.Errorf("%s: %s", c.name, fmt.Sprintf(format, args...))
}
func (c caseT) Fatalf(format string, args ...any) { c.Errorf(format, args...); runtime.Goexit() }
func (c caseT) Fatal(args ...any)                 { c.Errorf("%s", fmt.Sprint(args...)); runtime.Goexit() }
func (c caseT) FailNow()                          { c.TB.Fail(); runtime.Goexit() }

// runCases runs check for each case on up to 8 goroutines. These tests wait
// on the disk (every repair and append fsyncs) far more than they compute,
// so they overlap the waits even on two cores. After a few failures the
// remaining cases are skipped.
func runCases(t *testing.T, names []string, check func(t testing.TB, i int)) {
	t.Helper()
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i, name := range names {
		if failed.Load() >= 3 {
			t.Errorf("skipped the cases after %s", name)
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			c := caseT{TB: t, name: name}
			ok := false
			defer func() {
				if !ok {
					failed.Add(1)
				}
				<-sem
			}()
			check(c, i)
			ok = true
		})
	}
	wg.Wait()
}
