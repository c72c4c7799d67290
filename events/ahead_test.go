package events

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// aheadLog is a log of n events over many sealed segments and a loose tail.
func aheadLog(t *testing.T, n int) (*Log, string) {
	t.Helper()
	dir := t.TempDir()
	l := openT(t, dir, Options{SegmentBytes: 8192})
	ctx := context.Background()
	for i := 0; i < n; i += 100 {
		evs := make([]Event, 0, 100)
		for j := i; j < min(i+100, n); j++ {
			evs = append(evs, sampleEvent(j))
		}
		if _, err := l.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
	}
	return l, dir
}

// walked is what a walk handed visit: one line per frame, its records
// included, then the error that ended it.
func walked(t *testing.T, l *Log, from uint64, mode walkMode, ahead bool, stop int) ([]string, error) {
	t.Helper()
	names, err := listSegments(l.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	visit := func(name string, fr frameRef, recs []byte) error {
		out = append(out, fmt.Sprintf("%s %d+%d %x", name, fr.hdr.first, fr.hdr.count, recs))
		if stop > 0 && len(out) == stop {
			return errStopWalk
		}
		return nil
	}
	var cache tailCache
	if ahead {
		err = l.walkAhead(context.Background(), names, from, mode, &cache, visit)
	} else {
		var bufs bodyBufs
		err = l.segmentFrames(context.Background(), names, from, &cache, visiting(&bufs, mode, visit))
	}
	return out, err
}

// The walk that reads ahead hands visit the frames, records and error the
// walk in one goroutine does, in both modes, from anywhere in the log, and
// however early visit stops it.
func TestWalkAheadVisitsWhatTheWalkDoes(t *testing.T) {
	l, _ := aheadLog(t, 3000)
	for _, mode := range []walkMode{asStored, canonical} {
		for _, from := range []uint64{0, 1, 2, 700, 1501, 2999, 3000, 3001} {
			for _, stop := range []int{0, 1, 2, 3, 10} {
				t.Run(fmt.Sprintf("stored %v from %d stop %d", mode, from, stop), func(t *testing.T) {
					want, werr := walked(t, l, from, mode, false, stop)
					got, gerr := walked(t, l, from, mode, true, stop)
					if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
						t.Fatalf("errors: inline %v, ahead %v", werr, gerr)
					}
					if len(got) != len(want) {
						t.Fatalf("ahead visited %d frames, inline %d", len(got), len(want))
					}
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("frame %d differs: ahead %.60s…, inline %.60s…", i, got[i], want[i])
						}
					}
				})
			}
		}
	}
}

// A damaged sealed segment in the middle of the log ends both walks with
// ErrCorrupt after the same frames; and whichever way a walk ends, the
// goroutine reading ahead has ended with it.
func TestWalkAheadEndsWithTheWalksError(t *testing.T) {
	l, dir := aheadLog(t, 3000)
	base := runtime.NumGoroutine()
	names, err := listSegments(dir)
	if err != nil || len(names) < 4 {
		t.Fatalf("segments %v, %v", names, err)
	}
	path := filepath.Join(dir, names[len(names)/2])
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-8] ^= 0xff // inside the last frame's body
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	want, werr := walked(t, l, 1, asStored, false, 0)
	got, gerr := walked(t, l, 1, asStored, true, 0)
	if !errors.Is(werr, ErrCorrupt) || !errors.Is(gerr, ErrCorrupt) {
		t.Fatalf("errors: inline %v, ahead %v", werr, gerr)
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("ahead visited %d frames before the damage, inline %d", len(got), len(want))
	}
	for _, stop := range []int{1, 2} {
		if _, err := walked(t, l, 1, asStored, true, stop); err != errStopWalk {
			t.Fatalf("stop %d: %v", stop, err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > base; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the walks, %d before", runtime.NumGoroutine(), base)
		}
		time.Sleep(time.Millisecond)
	}
}
