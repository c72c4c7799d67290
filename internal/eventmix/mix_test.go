package eventmix_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/eventmix"
)

// TestMixShape checks the mix looks like a farm: mostly renewals and health,
// every build claimed before it completes, fences increasing.
func TestMixShape(t *testing.T) {
	evs := eventmix.Generate(1, 8, 50_000)
	count := map[events.Type]int{}
	claimed := map[uint64]bool{}
	var last time.Time
	for i, e := range evs {
		count[e.Type]++
		switch e.Type {
		case events.TypeClaimed:
			claimed[e.Fence] = true
		case events.TypeCompleted, events.TypeFailed, events.TypeLeaseRenewed:
			if !claimed[e.Fence] {
				t.Fatalf("event %d: %s of fence %d never claimed", i, e.Type, e.Fence)
			}
		}
		if e.Time.Before(last.Add(-time.Second)) {
			t.Fatalf("event %d goes back in time: %v after %v", i, e.Time, last)
		}
		last = e.Time
	}
	if count[events.TypeEnqueued]%len(eventmix.Atoms()) != 0 || count[events.TypeClaimed] == 0 ||
		count[events.TypeFailed] == 0 || count[events.TypeLeaseRenewed] < count[events.TypeClaimed] {
		t.Fatalf("unrealistic mix: %v", count)
	}
}

// TestProbe1M prints the log's size and read speed for a million mixed
// events; run with PROBE=1 (the real figures come from `swarm bench`).
func TestProbe1M(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip("set PROBE=1")
	}
	dir := t.TempDir()
	if d := os.Getenv("KEEPDIR"); d != "" {
		dir = d
	}
	l, err := events.Open(dir, events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	mix := eventmix.Generate(1, 8, 1_000_000)
	raw := 0
	start := time.Now()
	for i := 0; i < len(mix); i += 1000 {
		if _, err := l.Append(ctx, mix[i:i+1000]...); err != nil {
			t.Fatal(err)
		}
	}
	for i := range mix {
		raw += len(events.AppendRecord(nil, &mix[i])) + 1
	}
	t.Logf("append: %v", time.Since(start))
	var disk int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		fi, _ := os.Stat(filepath.Join(dir, e.Name()))
		disk += fi.Size()
	}
	t.Logf("records %d B (%.1f B/event), disk %d B, ratio %.2f, files %d", raw, float64(raw)/1e6, disk, float64(raw)/float64(disk), len(ents))
	start = time.Now()
	n := 0
	for _, err := range l.Events(ctx, 1) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	d := time.Since(start)
	t.Logf("read %d in %v: %.2f M/s", n, d, float64(n)/d.Seconds()/1e6)
}
