package commands

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// With the snapshotter started, a snapshot that takes forever to write
// holds up no command: the log runs far past SnapshotEvery while the
// snapshot is stuck, and once it is let go it is written, from the State
// as it stood at the seq that was due, and a reopened store starts from it.
func TestNoCommandWaitsOnASnapshot(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir, StoreOptions{SnapshotEvery: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entered, release := make(chan uint64, 100), make(chan struct{})
	s.snaps.saveFn = func(dir string, st *projections.State, head [32]byte) error {
		entered <- st.Seq
		<-release
		return projections.Save(dir, st, head)
	}
	s.StartSnapshots()
	done := make(chan error, 1)
	go func() {
		for i := range 200 {
			if _, err := s.Execute(context.Background(), Enqueue(ActorOperator, []string{fmt.Sprintf("dev-libs/p%d-1", i)})); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var seq uint64
	select {
	case seq = <-entered:
	case <-time.After(time.Minute):
		t.Fatal("no snapshot was started")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // the commands are stuck behind the snapshot
		close(release)
		t.Fatal("commands waited on a snapshot being written")
	}
	if seq < 20 || seq > 200 {
		t.Fatalf("snapshot at seq %d", seq)
	}
	close(release)
	deadline := time.Now().Add(time.Minute)
	for s.since.Load() < seq && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	st, err := projections.LoadLatest(dir+"/snapshots", 0, func(uint64, [32]byte) bool { return true }, nil)
	if err != nil || st.Seq < seq {
		t.Fatalf("newest snapshot at seq %d (%v), want at least %d", st.Seq, err, seq)
	}
	if s.Close() != nil {
		t.Fatal("close")
	}
	r, err := OpenStore(dir, StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Load(context.Background())
	if err != nil || got.Seq != 200 || got.Count(projections.Needed) != 200 {
		t.Fatalf("reopened at seq %d with %d needed (%v)", got.Seq, got.Count(projections.Needed), err)
	}
}

// The pacer sleeps three times what was worked at a quarter's share,
// measured from the end of its last sleep, not from the start.
func TestPacerKeepsItsShare(t *testing.T) {
	clock := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	var slept []time.Duration
	p := &pacer{share: 0.25, now: func() time.Time { return clock }, last: clock,
		sleep: func(d time.Duration) { slept = append(slept, d); clock = clock.Add(d) }}
	for _, work := range []time.Duration{2 * time.Millisecond, 0, 500 * time.Microsecond} {
		clock = clock.Add(work)
		p.pace()
	}
	want := []time.Duration{6 * time.Millisecond, 0, 1500 * time.Microsecond}
	if !slices.Equal(slept, want) {
		t.Fatalf("slept %v, want %v", slept, want)
	}
}

// eventSlice is a projections.Source over events in memory.
type eventSlice []events.Event

func (s eventSlice) Events(_ context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		for i := range s {
			if s[i].Seq >= from && !yield(&s[i], nil) {
				return
			}
		}
	}
}

// The snapshotter's fold is paced: every paceEvents events it hands the
// CPU back, and it folds exactly what an unpaced replay folds.
func TestPacedFoldIsTheFold(t *testing.T) {
	var evs eventSlice
	for i := range 2*paceEvents + 7 {
		evs = append(evs, events.Event{Seq: uint64(i + 1), Type: events.TypeEnqueued, Actor: ActorOperator,
			Atom: fmt.Sprintf("dev-libs/p%d-1", i)})
	}
	paced := 0
	got, err := projections.Replay(context.Background(), pacedSource{evs, func() { paced++ }}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := projections.Replay(context.Background(), evs, nil, 0)
	if paced != 2 || got.Seq != want.Seq || got.Count(projections.Needed) != want.Count(projections.Needed) {
		t.Fatalf("paced %d times, folded to seq %d with %d needed; want 2, %d, %d",
			paced, got.Seq, got.Count(projections.Needed), want.Seq, want.Count(projections.Needed))
	}
	part, _ := projections.Replay(context.Background(), pacedSource{evs, func() {}}, nil, 100)
	if part.Seq != 100 {
		t.Fatalf("a paced fold until 100 stopped at %d", part.Seq)
	}
}

// The snapshotter waits for as many events since its last snapshot as
// the State holds packages and drones: each snapshot is at least that far
// after the one before (b - a >= records at b), not SnapshotEvery apart.
// A log of nothing but enqueues (every event one more record) still gets
// snapshots once the cap is reached.
func TestSnapshotCadenceFollowsTheState(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir, StoreOptions{SnapshotEvery: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	saved := make(chan uint64, 100)
	s.snaps.saveFn = func(dir string, st *projections.State, head [32]byte) error {
		saved <- st.Seq
		return projections.Save(dir, st, head)
	}
	const gap = 150
	s.snaps.maxGap = gap
	s.StartSnapshots()
	ctx := context.Background()
	var bulk []string
	for i := range 100 {
		bulk = append(bulk, fmt.Sprintf("dev-libs/b%d-1", i))
	}
	if _, err := s.Execute(ctx, Enqueue(ActorOperator, bulk)); err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	wait := func(past uint64) {
		t.Helper()
		if _, err := s.Load(ctx); err != nil { // where a due snapshot is asked for
			t.Fatal(err)
		}
		deadline := time.After(time.Minute)
		for len(seqs) == 0 || seqs[len(seqs)-1] < past {
			select {
			case seq := <-saved:
				seqs = append(seqs, seq)
			case <-deadline:
				t.Fatalf("snapshots at %v, none at or past %d", seqs, past)
			}
		}
	}
	wait(100)
	for i := range 400 {
		if _, err := s.Execute(ctx, Enqueue(ActorOperator, []string{fmt.Sprintf("dev-libs/p%d-1", i)})); err != nil {
			t.Fatal(err)
		}
	}
	wait(400)
	for i, b := range seqs[1:] {
		if a := seqs[i]; b-a < min(b, gap) {
			t.Fatalf("snapshots at %v: %d only %d events after %d, with %d packages", seqs, b, b-a, a, b)
		}
	}
}

// The snapshotter's State, moved on by the events handed over instead of
// the log, is the log's: on a random farm day decided in batches, with a
// CLI process appending beside the store and the queue of handed-over
// events lost twice (read from the log instead), every snapshot written
// encodes to the bytes of a replay of the log to its seq.
func TestSnapshotsFromHandedOverEventsAreTheLogs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := OpenStore(dir, StoreOptions{SnapshotEvery: 40, Now: func() time.Time { return propT0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var saved []uint64
	var mu sync.Mutex
	s.snaps.saveFn = func(dir string, st *projections.State, head [32]byte) error {
		mu.Lock()
		saved = append(saved, st.Seq)
		mu.Unlock()
		return projections.Save(dir, st, head)
	}
	s.StartSnapshots()
	cli, err := OpenStore(dir, StoreOptions{SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ops := propOps(rand.New(rand.NewPCG(7, 7)), 1500)
	for i := 0; i < len(ops); {
		n := 1 + i%7
		var wg sync.WaitGroup
		for _, op := range ops[i:min(i+n, len(ops))] {
			wg.Go(func() { s.Execute(ctx, op()) }) // refusals are part of the day
		}
		wg.Wait()
		i += n
		switch {
		case i%50 == 0:
			enqueue(t, cli, fmt.Sprintf("dev-libs/cli%d-1", i))
		case i%500 < 7:
			s.snaps.take(nil) // as a queue that overflowed: the log has them
		}
	}
	if _, err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	s.snaps.stop()
	mu.Lock()
	defer mu.Unlock()
	if len(saved) < 5 {
		t.Fatalf("snapshots at %v: want several", saved)
	}
	for _, seq := range saved {
		snap, err := projections.LoadLatest(filepath.Join(dir, "snapshots"), seq, func(uint64, [32]byte) bool { return true }, nil)
		if err != nil || snap.Seq != seq {
			if slices.Index(saved, seq) < len(saved)-projections.Keep {
				continue // pruned
			}
			t.Fatalf("snapshot at %d: got %d, %v", seq, snap.Seq, err)
		}
		want, err := projections.Replay(ctx, s.log, nil, seq)
		if err != nil {
			t.Fatal(err)
		}
		a, b := t.TempDir(), t.TempDir()
		if projections.Save(a, snap, [32]byte{}) != nil || projections.Save(b, want, [32]byte{}) != nil {
			t.Fatal("save")
		}
		da, _ := os.ReadFile(filepath.Join(a, fmt.Sprintf("%020d.snap", seq)))
		db, _ := os.ReadFile(filepath.Join(b, fmt.Sprintf("%020d.snap", seq)))
		if len(da) == 0 || !bytes.Equal(da, db) {
			t.Fatalf("the snapshot at seq %d is not the log's State (%d vs %d bytes)", seq, len(da), len(db))
		}
	}
}
