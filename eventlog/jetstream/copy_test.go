package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/logtest"
	"github.com/swarm-build/swarm/events"
)

func fileLog(t *testing.T, dir string) *eventlog.File {
	t.Helper()
	l, err := eventlog.OpenFile(dir, events.Options{SegmentBytes: 64 << 10}) // several segments, sealed ones too
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func fill(t *testing.T, l eventlog.Log, n int) {
	t.Helper()
	for i := 0; i < n; i += 3 {
		if _, err := l.Append(context.Background(), logtest.Ev(fmt.Sprint(i), i), logtest.Ev("x", i+1), logtest.Ev("y", i+2)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCopyFileToJetStreamAndBack moves a file log into JetStream and back
// into a new file log: all three verify and end at the same chain value.
func TestCopyFileToJetStreamAndBack(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	src := fileLog(t, filepath.Join(root, "events"))
	fill(t, src, 3*(eventlog.CopyBatch+100)/3)
	js := openJS(t, filepath.Join(root, "js"))
	defer js.Close()
	res, err := eventlog.Copy(ctx, js, src)
	if err != nil {
		t.Fatalf("file → jetstream: %v", err)
	}
	want, _ := src.Verify(ctx)
	if res.Copied != want.Last || res.Head != want.Head {
		t.Fatalf("copied %d ending at %s, the file log has %d ending at %s", res.Copied, res.Head, want.Last, want.Head)
	}
	back := fileLog(t, filepath.Join(root, "back"))
	res, err = eventlog.Copy(ctx, back, js)
	if err != nil {
		t.Fatalf("jetstream → file: %v", err)
	}
	if res.Head != want.Head || res.Last != want.Last {
		t.Fatalf("back in a file log: %+v, want head %s", res, want.Head)
	}
	a, b := logtest.ReadAll(t, src, 1), logtest.ReadAll(t, back, 1)
	for i := range a {
		if fmt.Sprint(a[i]) != fmt.Sprint(b[i]) {
			t.Fatalf("event %d: %+v came back as %+v", i+1, a[i], b[i])
		}
	}
}

// TestCopyResumes carries on into a destination that holds a prefix, and
// refuses one that holds another log.
func TestCopyResumes(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	src := fileLog(t, filepath.Join(root, "events"))
	fill(t, src, 30)
	js := openJS(t, filepath.Join(root, "js"))
	defer js.Close()
	part := logtest.ReadAll(t, src, 1)[:12]
	if _, err := js.AppendIf(ctx, 0, part...); err != nil {
		t.Fatal(err)
	}
	res, err := eventlog.Copy(ctx, js, src)
	if err != nil || res.Copied != 18 || res.Last != 30 {
		t.Fatalf("resumed copy = %+v, %v; want 18 more, to 30", res, err)
	}
	if res, err := eventlog.Copy(ctx, js, src); err != nil || res.Copied != 0 {
		t.Fatalf("copy again = %+v, %v; want nothing to do", res, err)
	}

	other := openJS(t, filepath.Join(root, "other"))
	defer other.Close()
	if _, err := other.Append(ctx, logtest.Ev("someone else", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := eventlog.Copy(ctx, other, src); !errors.Is(err, eventlog.ErrChainMismatch) {
		t.Fatalf("copy into another log: %v, want ErrChainMismatch", err)
	}
	if n, _ := other.Last(ctx); n != 1 {
		t.Fatalf("the refused destination now holds %d events", n)
	}

	// A destination past the source's end is another log too.
	short := fileLog(t, filepath.Join(root, "short"))
	fill(t, short, 3)
	if _, err := eventlog.Copy(ctx, js, short); !errors.Is(err, eventlog.ErrChainMismatch) {
		t.Fatalf("copy into a longer log: %v, want ErrChainMismatch", err)
	}
}
