package projections

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// longHistory is a farm that has seen 100,000 packages: freshes plans of
// perFresh packages, each a new version of the same names, every package
// built and promoted with its Packages entry, the previous version's build
// pruned (binhost.keep = 1) and the previous plan dequeued. Its live state
// is one plan, one listed build per name and the drones; the rest is
// history.
func longHistory(freshes, perFresh int) *State {
	s := New()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	emit := func(e events.Event) {
		e.Seq, e.Time = s.Seq+1, at
		at = at.Add(time.Second)
		s.Apply(&e)
	}
	drones := []string{"d1", "d2", "d3", "d4", "d5"}
	for _, d := range drones {
		emit(register(d))
	}
	entry := strings.Repeat("KEY: a Packages index line of typical length\n", 10)
	atom := func(f, i int) string { return fmt.Sprintf("dev-libs/name%d-1.%d", i, f) }
	for f := range freshes {
		for i := range perFresh {
			if f > 0 {
				emit(events.Event{Type: events.TypeDequeued, Actor: "orchestrator", Atom: atom(f-1, i)})
			}
			emit(events.Event{Type: events.TypeEnqueued, Actor: "orchestrator", Atom: atom(f, i)})
		}
		for i := range perFresh {
			a, d := atom(f, i), drones[i%len(drones)]
			emit(events.Event{Type: events.TypeClaimed, Actor: "orchestrator", Atom: a, Drone: d, Fence: s.Seq + 1, Lease: time.Minute})
			fence := s.Seq
			emit(events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: a, Drone: d, Fence: fence,
				CPV: a, BuildID: 1, Path: a + "-1.gpkg.tar", FileSHA256: strings.Repeat("ab", 32), Size: 1 << 20, Entry: entry})
			emit(events.Event{Type: events.TypeCompleted, Actor: d, Atom: a, Drone: d, Fence: fence})
			if f > 0 {
				old := atom(f-1, i)
				emit(events.Event{Type: events.TypePruned, Actor: "orchestrator", Atom: old, CPV: old, BuildID: 1,
					Path: old + "-1.gpkg.tar", Reason: "retention"})
			}
		}
	}
	return s
}

// BenchmarkSnapshotHistory encodes and decodes the snapshot of a farm that
// has seen 100,000 packages over 20 freshes of 5,000, and reports its size
// and the size per live package (the plan plus its listed builds); save
// is Save's whole write (encode, write, fsync, rename):
//
//	go test -run '^$' -bench SnapshotHistory -benchtime 20x ./projections
func BenchmarkSnapshotHistory(b *testing.B) {
	s := longHistory(20, 5000)
	var data []byte
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			data = encodeSnapshot(s, [32]byte{})
		}
		b.ReportMetric(float64(len(data))/1e6, "MB")
		b.ReportMetric(float64(len(data))/float64(len(s.packages)), "bytes/live-package")
	})
	b.Run("save", func(b *testing.B) { // encode, write, fsync, rename, prune
		dir := b.TempDir()
		for b.Loop() {
			if err := Save(dir, s, [32]byte{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := decodeSnapshot(data, s.Seq); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A snapshot follows the live state: the history of a farm that pruned a
// build for each one it promoted costs it little per pruned build (their
// BUILD_IDs and paths), not their Packages entries and checksums (over
// 500 bytes each here).
func TestSnapshotHistoryIsSmall(t *testing.T) {
	live := len(encodeSnapshot(longHistory(1, 500), [32]byte{}))
	long := longHistory(21, 500)
	size := len(encodeSnapshot(long, [32]byte{}))
	perPruned := float64(size-live) / float64(20*500)
	if perPruned > 100 {
		t.Errorf("snapshot of 21 freshes %d bytes, of 1 %d: %.0f bytes per pruned build, want at most 100",
			size, live, perPruned)
	}
	if u := long.BinhostUsage(); u.Builds != 500 || u.Pruned != 20*500 || u.PrunedBytes != 20*500<<20 {
		t.Errorf("usage after the history: %+v", u)
	}
	for _, b := range long.PrunedBuilds()[:3] {
		if b.Path == "" || b.BuildID == 0 || b.Size == 0 || b.Pruned == 0 || b.Entry != "" {
			t.Errorf("a pruned build keeps %+v", b)
		}
	}
}
