package projections

import (
	"bytes"
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
	for _, e := range historyEvents(freshes, perFresh) {
		s.Apply(&e)
	}
	return s
}

// historyEvents are longHistory's events, numbered from 1.
func historyEvents(freshes, perFresh int) []events.Event {
	var evs []events.Event
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	emit := func(e events.Event) {
		e.Seq, e.Time = uint64(len(evs)+1), at
		at = at.Add(time.Second)
		evs = append(evs, e)
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
			fence := uint64(len(evs) + 1)
			emit(events.Event{Type: events.TypeClaimed, Actor: "orchestrator", Atom: a, Drone: d, Fence: fence, Lease: time.Minute})
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
	return evs
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
			data = encodeSnapshot(s, [32]byte{}, nil)
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

// A snapshot follows the live state: of a farm that pruned a build for
// each one it promoted, it keeps the last maxPrunedKept pruned builds (their
// BUILD_IDs, paths and sizes, for the sweep), and of older ones only each
// CPV's highest BUILD_ID and the usage counts; never their Packages entries
// and checksums (over 500 bytes each here).
func TestSnapshotHistoryIsSmall(t *testing.T) {
	live := len(encodeSnapshot(longHistory(1, 500), [32]byte{}, nil))
	const freshes = 25 // 12,000 builds pruned: past maxPrunedKept
	long := longHistory(freshes, 500)
	size := len(encodeSnapshot(long, [32]byte{}, nil))
	pruned := (freshes - 1) * 500
	if per := float64(size-live) / float64(pruned); per > 100 {
		t.Errorf("snapshot of %d freshes %d bytes, of 1 %d: %.0f bytes per pruned build, want at most 100",
			freshes, size, live, per)
	}
	if u := long.BinhostUsage(); u.Builds != 500 || u.Pruned != pruned || u.PrunedBytes != uint64(pruned)<<20 || u != walkBinhostUsage(long) {
		t.Errorf("usage after the history: %+v, walk %+v", u, walkBinhostUsage(long))
	}
	held := long.PrunedBuilds()
	if len(held) != min(pruned, maxPrunedKept) {
		t.Errorf("%d pruned builds held, want %d", len(held), min(pruned, maxPrunedKept))
	}
	for _, b := range held[:3] {
		if b.Path == "" || b.BuildID == 0 || b.Size == 0 || b.Pruned == 0 || b.Entry != "" {
			t.Errorf("a pruned build keeps %+v", b)
		}
	}
	// The oldest are forgotten, but their BUILD_ID is never given again.
	if first := "dev-libs/name0-1.0"; long.NextBuildID(first) != 2 || len(long.builds[first]) != 0 {
		t.Errorf("the first CPV: next BUILD_ID %d, builds %+v", long.NextBuildID(first), long.builds[first])
	}
}

// A loaded snapshot forgets the same pruned builds, in the same order, as
// the State it was taken from: folding more history into both gives the
// same bytes.
func TestSnapshotForgetsLikeTheFold(t *testing.T) {
	s := longHistory(22, 500) // 10,500 pruned: 500 forgotten
	data := encodeSnapshot(s, [32]byte{}, nil)
	loaded, _, err := decodeSnapshot(data, s.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encodeSnapshot(loaded, [32]byte{}, nil), data) {
		t.Fatal("a loaded snapshot encodes differently")
	}
	more := historyEvents(24, 500) // the same history, two freshes longer
	for _, e := range more[s.Seq:] {
		a, b := e, e
		s.Apply(&a)
		loaded.Apply(&b)
	}
	if !bytes.Equal(encodeSnapshot(loaded, [32]byte{}, nil), encodeSnapshot(s, [32]byte{}, nil)) {
		t.Error("the loaded State and the fold differ after more history")
	}
	if u, w := loaded.BinhostUsage(), walkBinhostUsage(s); u != s.BinhostUsage() || u != w {
		t.Errorf("usage: loaded %+v, fold %+v, walk %+v", u, s.BinhostUsage(), w)
	}
}
