package events

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestRecoverAfterWriteError: a write that fails (the disk full) breaks the
// log, which then refuses appends; Recover fails while the disk still
// fails, and once it takes writes again cuts the half-written frame (saving
// it), so appends go on with every acknowledged event kept and the chain
// whole, in this Log and in a reopened one.
func TestRecoverAfterWriteError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		written func(n int) int // bytes of a failing write that reach the file
	}{
		{"nothing written", func(int) int { return 0 }},
		{"half a frame", func(n int) int { return n / 2 }},
		{"all but a byte", func(n int) int { return n - 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			l := openT(t, dir, Options{})
			var failing atomic.Bool
			SetFaultyWrite(l, func(f *os.File, b []byte, off int64) (int, error) {
				if !failing.Load() {
					return f.WriteAt(b, off)
				}
				n, _ := f.WriteAt(b[:tc.written(len(b))], off)
				return n, syscall.ENOSPC
			})
			var acked []Event
			appendOK := func(i int) {
				t.Helper()
				e := sampleEvent(i)
				if _, err := l.Append(ctx, e); err != nil {
					t.Fatalf("append %d: %v", i, err)
				}
				acked = append(acked, e)
			}
			for i := range 10 {
				appendOK(i)
			}

			failing.Store(true)
			if _, err := l.Append(ctx, sampleEvent(100)); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("append on a full disk: %v, want ENOSPC", err)
			}
			if l.Broken() == nil {
				t.Fatal("Broken() is nil after a failed write")
			}
			if _, err := l.Append(ctx, sampleEvent(101)); !errors.Is(err, ErrBroken) {
				t.Fatalf("append after a failed write: %v, want ErrBroken", err)
			}
			if err := l.Recover(ctx); !errors.Is(err, ErrBroken) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Recover on a disk still full: %v, want ErrBroken and ENOSPC", err)
			}
			if l.Broken() == nil {
				t.Fatal("a failed Recover cleared Broken()")
			}

			failing.Store(false)
			if err := l.Recover(ctx); err != nil {
				t.Fatalf("Recover with space again: %v", err)
			}
			if err := l.Broken(); err != nil {
				t.Fatalf("Broken() after Recover: %v", err)
			}
			if torn, err := NewestTorn(dir); err != nil || torn {
				t.Fatalf("after Recover the tail is torn=%v (err %v)", torn, err)
			}
			saved, _ := filepath.Glob(filepath.Join(dir, "*.torn-*"))
			if tc.written(2) > 0 && len(saved) != 1 {
				t.Errorf("saved torn copies %v, want one", saved)
			}
			for i := 10; i < 15; i++ {
				appendOK(i)
			}
			checkAcked(t, l, acked)
			l.Close()
			checkAcked(t, openT(t, dir, Options{}), acked)
		})
	}
}

// checkAcked checks that l holds exactly the acknowledged events, with
// dense sequence numbers and a whole chain.
func checkAcked(t *testing.T, l *Log, acked []Event) {
	t.Helper()
	rep, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	got := collect(t, l, 0)
	if rep.Last != uint64(len(acked)) || len(got) != len(acked) {
		t.Fatalf("log holds %d events (last seq %d), want the %d acknowledged", len(got), rep.Last, len(acked))
	}
	for i := range got {
		if got[i].Seq != uint64(i+1) || got[i].Fence != acked[i].Fence || got[i].Atom != acked[i].Atom {
			t.Fatalf("event %d: %+v, want %+v", i, got[i], acked[i])
		}
	}
}
