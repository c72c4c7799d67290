package projections

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/events"
)

// farmAt returns a farm's State after n events.
func farmAt(seed uint64, n int) *State {
	s := New()
	for _, e := range newFarm(seed, 8).events(n) {
		s.Apply(&e)
	}
	return s
}

func headOf(seq uint64) [32]byte { return sha256.Sum256(binary.AppendUvarint(nil, seq)) }

// saveAt saves the farm's State after each of seqs, with head headOf(seq).
func saveAt(t *testing.T, dir string, seqs ...int) {
	t.Helper()
	for _, n := range seqs {
		if err := Save(dir, farmAt(1, n), headOf(uint64(n))); err != nil {
			t.Fatal(err)
		}
	}
}

func snapFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func matchingHead(seq uint64, head [32]byte) bool { return head == headOf(seq) }

func TestSaveKeepsTheNewestThree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snapshots")
	saveAt(t, dir, 100, 300, 200, 400, 500)
	want := []string{"00000000000000000300.snap", "00000000000000000400.snap", "00000000000000000500.snap"}
	if got := snapFiles(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
}

func TestLoadLatestSkipsWhatItCannotTrust(t *testing.T) {
	dir := t.TempDir()
	saveAt(t, dir, 100, 200, 300)
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))

	s, err := LoadLatest(dir, 0, matchingHead, log)
	if err != nil || s.Seq != 300 {
		t.Fatalf("newest: seq %d, %v", s.Seq, err)
	}
	sameState(t, "loaded", farmAt(1, 300), s)
	if s, _ := LoadLatest(dir, 250, matchingHead, log); s.Seq != 200 {
		t.Fatalf("at most 250: seq %d, want 200", s.Seq)
	}

	damage(t, filepath.Join(dir, snapName(300)), func(b []byte) { b[len(b)/2] ^= 0x40 })
	if s, _ := LoadLatest(dir, 0, matchingHead, log); s.Seq != 200 {
		t.Fatalf("with 300 damaged: seq %d, want 200", s.Seq)
	}
	stale := func(seq uint64, head [32]byte) bool { return seq != 200 && matchingHead(seq, head) }
	if s, _ := LoadLatest(dir, 0, stale, log); s.Seq != 100 {
		t.Fatalf("with 200 stale: seq %d, want 100", s.Seq)
	}
	damage(t, filepath.Join(dir, snapName(100)), func(b []byte) { b[8] = 99 }) // a future version
	if s, err := LoadLatest(dir, 0, stale, log); err != nil || s.Seq != 0 || len(s.QueueList("")) != 0 {
		t.Fatalf("with none usable: seq %d, %v; want a new State", s.Seq, err)
	}
	for _, reason := range []string{"checksum mismatch", "stale", "unknown format version 99"} {
		if !strings.Contains(logged.String(), reason) {
			t.Errorf("log does not mention %q:\n%s", reason, logged.String())
		}
	}
}

func damage(t *testing.T, path string, fn func([]byte)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fn(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadLatestWithoutSnapshots(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{filepath.Join(dir, "missing"), dir} {
		if s, err := LoadLatest(d, 0, nil, nil); err != nil || s.Seq != 0 {
			t.Fatalf("%s: seq %d, %v", d, s.Seq, err)
		}
	}
	// Leftovers of a crashed Save, misnamed or truncated files are skipped.
	os.WriteFile(filepath.Join(dir, ".snap-123.tmp"), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, snapName(9)), []byte("SWARMSNP"), 0o644)
	if s, err := LoadLatest(dir, 0, nil, nil); err != nil || s.Seq != 0 {
		t.Fatalf("seq %d, %v", s.Seq, err)
	}
}

func TestSnapshotFileNamedForAnotherSeqIsSkipped(t *testing.T) {
	dir := t.TempDir()
	saveAt(t, dir, 100)
	if err := os.Rename(filepath.Join(dir, snapName(100)), filepath.Join(dir, snapName(150))); err != nil {
		t.Fatal(err)
	}
	if s, _ := LoadLatest(dir, 0, nil, nil); s.Seq != 0 {
		t.Fatalf("seq %d from a misnamed snapshot", s.Seq)
	}
}

func TestEncodingIsDeterministicAndRoundTrips(t *testing.T) {
	s := farmAt(4, 3000)
	feed(s, events.Event{Type: events.TypeQueuePaused, Actor: "operator", Reason: "why"},
		events.Event{Type: events.TypeFreshStarted, Actor: "operator", Tree: "t1"})
	a, b := fingerprint(s), fingerprint(s.Clone())
	if !bytes.Equal(a, b) {
		t.Fatal("the same State encoded two ways")
	}
	back, err := decodeState(a)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, "round trip", s, back)
	if back.Fresh == nil || back.Paused == nil || back.Fresh.Tree != "t1" {
		t.Fatalf("fresh %+v, paused %+v", back.Fresh, back.Paused)
	}
	small := fingerprint(farmAt(4, 200))
	for n := range len(small) { // every truncation is an error, never a panic
		if _, err := decodeState(small[:n]); err == nil {
			t.Fatalf("truncated to %d bytes decoded", n)
		}
	}
}

func FuzzDecodeState(f *testing.F) {
	f.Add(fingerprint(New()))
	f.Add(fingerprint(farmAt(2, 60)))
	f.Add(fingerprint(feed(New(), lifecycle()...)))
	f.Add(fingerprint(feed(New(), exclusions()...)))
	f.Add(fingerprint(longHistory(3, 20))) // pruned builds
	f.Fuzz(func(t *testing.T, payload []byte) {
		s, err := decodeState(payload)
		if err != nil {
			return
		}
		again, err := decodeState(fingerprint(s))
		if err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		sameState(t, "re-encoded", s, again)
		for _, e := range lifecycle() { // whatever was loaded, folding must not panic
			e.Seq = s.Seq + 1
			s.Apply(&e)
		}
	})
}

// SavePaced hands the CPU back between chunks of packages and between
// chunks of the file it writes, and writes the very bytes Save writes.
func TestSavePacedWritesSavesBytes(t *testing.T) {
	s := New()
	for i := range 3*paceEvery + 5 {
		s.Apply(&events.Event{Seq: uint64(i + 1), Type: events.TypeEnqueued, Actor: "op", Atom: fmt.Sprintf("dev-libs/p%d-1", i)})
	}
	a, b := t.TempDir(), t.TempDir()
	paced := 0
	if err := SavePaced(a, s, [32]byte{1}, func() { paced++ }); err != nil {
		t.Fatal(err)
	}
	if err := Save(b, s, [32]byte{1}); err != nil {
		t.Fatal(err)
	}
	da, errA := os.ReadFile(filepath.Join(a, snapName(s.Seq)))
	db, errB := os.ReadFile(filepath.Join(b, snapName(s.Seq)))
	if errA != nil || errB != nil || !bytes.Equal(da, db) {
		t.Fatalf("paced and plain snapshots differ (%v, %v)", errA, errB)
	}
	// Four runs of packages sorted (and merged, a pause per paceEvery
	// moved), three chunks encoded, and the file written in chunks.
	merged := 2 * len(s.packages) / paceEvery // two merge passes over them
	if want := 4 + merged + 3 + (len(da)-1)/writeChunk; paced != want || len(da) <= writeChunk {
		t.Fatalf("paced %d times for %d packages in %d bytes, want %d", paced, len(s.packages), len(da), want)
	}
}

// A paced sort, in runs merged pairwise, is the plain sort, for sizes
// around the run's length and its powers of two.
func TestPacedSortIsTheSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, n := range []int{0, 1, paceEvery, paceEvery + 1, 2 * paceEvery, 3*paceEvery + 7, 8*paceEvery - 1} {
		m := map[string]*Package{}
		for len(m) < n {
			a := fmt.Sprintf("cat-%d/p%d-1", rng.IntN(50), rng.IntN(1<<30))
			m[a] = &Package{Atom: a}
		}
		paced := 0
		got := sortedValues(m, func(p *Package) string { return p.Atom }, func() { paced++ })
		want := slices.Sorted(maps.Keys(m))
		if len(got) != len(want) {
			t.Fatalf("%d packages: %d sorted", n, len(got))
		}
		for i := range want {
			if got[i].Atom != want[i] {
				t.Fatalf("%d packages: at %d %q, want %q", n, i, got[i].Atom, want[i])
			}
		}
		if n > paceEvery && paced < (n+paceEvery-1)/paceEvery {
			t.Fatalf("%d packages: paced %d times", n, paced)
		}
	}
}
