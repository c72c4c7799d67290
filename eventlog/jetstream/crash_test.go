package jetstream_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/eventlog/logtest"
	"github.com/swarm-build/swarm/events"
)

// TestMain runs the crash child when the conformance suite asks for one,
// and a cluster member when the cluster tests start one (member_test.go).
func TestMain(m *testing.M) {
	memberChild()
	raftTiming() // for the clusters in this process (member_test.go)
	logtest.CrashChild(openAny)
	os.Exit(m.Run())
}

// TestDamage flips a byte in the middle of the stream's block file:
// JetStream cuts the stream there on restart without an error, and the
// shorter log would still verify, so Open must refuse it (the witness)
// rather than serve a log that lost acknowledged events. Opened again, it
// is still refused: the refusal keeps its evidence.
func TestDamage(t *testing.T) {
	var dir string
	caught := logtest.RunDamage(t, openJS, func(t testing.TB, d string) {
		blks, _ := filepath.Glob(filepath.Join(d, "jetstream", "*", "streams", "SWARM_farm", "msgs", "*.blk"))
		if len(blks) != 1 {
			t.Fatalf("block files %v, want one", blks)
		}
		logtest.FlipMiddle(t, blks[0])
		dir = d
	})
	if caught != "open" {
		t.Fatalf("the damage was caught by %s, want by Open (the witness): the server's own warning is the second line of defence", caught)
	}
	_, err := jetstream.Open(context.Background(), dir, jetstream.Options{})
	if !errors.Is(err, events.ErrCorrupt) {
		t.Fatalf("Open again = %v, want ErrCorrupt", err)
	}
}

// TestDamageWithoutWitness: with the witness gone too, the server's warning
// about the damaged block still fails Verify.
func TestDamageWithoutWitness(t *testing.T) {
	caught := logtest.RunDamage(t, openJS, func(t testing.TB, d string) {
		blks, _ := filepath.Glob(filepath.Join(d, "jetstream", "*", "streams", "SWARM_farm", "msgs", "*.blk"))
		if len(blks) != 1 {
			t.Fatalf("block files %v, want one", blks)
		}
		logtest.FlipMiddle(t, blks[0])
		if err := os.Remove(filepath.Join(d, "swarm-farm.tail")); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("caught by %s", caught)
}
