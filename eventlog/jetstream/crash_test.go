package jetstream_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/eventlog/logtest"
	"github.com/swarm-build/swarm/events"
)

// TestMain runs the crash child when the conformance suite asks for one.
func TestMain(m *testing.M) {
	logtest.CrashChild(openJS)
	os.Exit(m.Run())
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
