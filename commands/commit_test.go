package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// queued reports how many commands wait behind the running batch.
func (s *Store) queued() int {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	return len(s.queue)
}

// Commands that arrive while a batch is decided are decided together in
// the next one and appended with one write: 1 + 63 commands, 2 appends.
// Each caller gets its own events, and they are in the log when it does.
func TestCommandsQueuedMeanwhileShareOneAppend(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	exec(t, s, Enqueue(ActorOperator, []string{"dev-libs/first-1"}))
	base := s.Stats()
	release := make(chan struct{})
	var first sync.WaitGroup
	first.Go(func() {
		exec(t, s, func(st *projections.State) ([]events.Event, error) {
			<-release // the batch is being decided while the others arrive
			return Enqueue(ActorOperator, []string{"dev-libs/blocker-1"})(st)
		})
	})
	for s.Stats().Batches == base.Batches {
		time.Sleep(time.Millisecond) // wait for the blocker's batch to start
	}
	const n = 63
	outs := make([]Outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			outs[i] = exec(t, s, Enqueue(ActorOperator, []string{fmt.Sprintf("dev-libs/p%d-1", i)}))
		})
	}
	deadline := time.Now().Add(time.Minute)
	for s.queued() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	first.Wait()
	wg.Wait()
	got := s.Stats()
	if b, a := got.Batches-base.Batches, got.Appends-base.Appends; b != 2 || a != 2 {
		t.Fatalf("64 commands took %d batches and %d appends, want 2 and 2", b, a)
	}
	seen := map[uint64]string{}
	for i, out := range outs {
		want := fmt.Sprintf("dev-libs/p%d-1", i)
		if len(out.Events) != 1 || out.Events[0].Atom != want {
			t.Fatalf("caller %d got %+v, want its own enqueue of %s", i, out.Events, want)
		}
		if other, dup := seen[out.Events[0].Seq]; dup {
			t.Fatalf("seq %d given to %s and %s", out.Events[0].Seq, other, want)
		}
		seen[out.Events[0].Seq] = want
	}
	logged := readAll(t, dir)
	for seq, atom := range seen {
		if e := logged[seq-1]; e.Atom != atom || e.Type != events.TypeEnqueued {
			t.Fatalf("seq %d in the log is %s %s, want the enqueue of %s", seq, e.Type, e.Atom, atom)
		}
	}
}

// readAll reads the log of the .swarm folder dir as another process would.
func readAll(t *testing.T, dir string) []events.Event {
	t.Helper()
	r, err := OpenStore(dir, StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []events.Event
	for e, err := range r.Log().Events(context.Background(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *e)
	}
	return out
}

// In one batch, a decider's error or panic answers only its own caller;
// the commands around it are decided and appended, each seeing the ones
// decided before it (the second complete of one claim is refused).
func TestDeciderErrorAnswersOnlyItsCaller(t *testing.T) {
	f := newTestFarm(t, "a")
	f.enqueue(1)
	g := f.claim("a")
	boom := errors.New("boom")
	batch := []*pending{
		{ctx: context.Background(), d: func(*projections.State) ([]events.Event, error) { return nil, boom }},
		{ctx: context.Background(), d: Complete("a", g.Atom, g.Fence, Binpkg{})},
		{ctx: context.Background(), d: func(*projections.State) ([]events.Event, error) { panic("decider bug") }},
		{ctx: context.Background(), d: Complete("a", g.Atom, g.Fence, Binpkg{})},
		{ctx: context.Background(), d: Enqueue(ActorOperator, []string{"dev-libs/after-1"})},
	}
	f.s.mu.Lock()
	f.s.commitLocked(context.Background(), batch)
	f.s.mu.Unlock()
	checks := []struct {
		err   error
		types string
	}{{boom, ""}, {nil, "completed"}, {ErrDeciderPanic, ""}, {ErrNotBuilding, ""}, {nil, "enqueued"}}
	for i, c := range checks {
		r := batch[i]
		if c.err == nil && r.err != nil || c.err != nil && !errors.Is(r.err, c.err) || types(r.out.Events) != c.types {
			t.Errorf("command %d: %v %s; want %v %s", i, r.err, types(r.out.Events), c.err, c.types)
		}
	}
	if st := f.state(); st.Count(projections.Built) != 1 {
		t.Fatalf("built %d, want 1", st.Count(projections.Built))
	}
}

// Two stores on one folder (the orchestrator and CLI calls) batch their
// own commands and lose nothing to each other: every command is in the
// log once, batches that lost the race were decided again from a
// reloaded State, and each store's State is the log's replay.
func TestTwoProcessesBatchingOnOneLog(t *testing.T) {
	dir := t.TempDir()
	a, b := openStore(t, dir), openStore(t, dir)
	const n = 300
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s := a
			if i%3 == 0 {
				s = b
			}
			exec(t, s, Enqueue(ActorOperator, []string{fmt.Sprintf("dev-libs/p%d-1", i)}))
		})
	}
	wg.Wait()
	logged := readAll(t, dir)
	if len(logged) != n {
		t.Fatalf("%d events in the log, want %d", len(logged), n)
	}
	if c := a.Stats().Conflicts + b.Stats().Conflicts; c == 0 {
		t.Logf("no batch lost the race this time (the test still checks the outcome)")
	}
	r, err := OpenStore(dir, StoreOptions{ReadOnly: true, SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want, err := r.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Store{a, b} {
		st, err := s.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(encoded(t, st), encoded(t, want)) {
			t.Fatalf("a store's State is not the log's replay")
		}
	}
}

// Observe shows every event the State takes in after the call, once and
// in order: the store's own appends, another process's when the store
// catches up, and none again when the State is dropped and reloaded (as
// after a conflict).
func TestObserveSeesEveryEventOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	enqueue(t, s, "dev-libs/a-1", "dev-libs/b-1", "dev-libs/c-1") // before: not shown
	var seen []uint64
	var types []events.Type
	if err := s.Observe(ctx, func(e *events.Event) {
		seen = append(seen, e.Seq)
		types = append(types, e.Type)
	}); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "dev-libs/d-1", "dev-libs/e-1")
	other := openStore(t, dir) // a CLI verb beside the server
	enqueue(t, other, "dev-libs/f-1", "dev-libs/g-1")
	if _, err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.state = nil // what a conflict does: reloaded from the snapshot and the log
	s.mu.Unlock()
	enqueue(t, s, "dev-libs/h-1")
	if _, err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []uint64{4, 5, 6, 7, 8}; !slices.Equal(seen, want) {
		t.Fatalf("observed seqs %v, want %v", seen, want)
	}
	for i, typ := range types {
		if typ != events.TypeEnqueued {
			t.Fatalf("event %d observed as %v", seen[i], typ)
		}
	}
}

// A leader waits for more commands only while the farm is busy: after a
// batch of at least gatherSiblings commands, and only while fewer than
// that are queued. A lone command after quiet batches never waits.
func TestGatherWaitsOnlyUnderLoad(t *testing.T) {
	for _, c := range []struct {
		last, queued int
		want         bool
	}{
		{0, 1, false},
		{gatherSiblings - 1, 1, false},
		{gatherSiblings, 1, true},
		{gatherSiblings, gatherSiblings - 1, true},
		{gatherSiblings, gatherSiblings, false},
		{40, 39, true},
		{40, 41, false},
	} {
		s := &Store{lastBatch: c.last, queue: make([]*pending, c.queued)}
		if got := s.gather(); got != c.want {
			t.Errorf("last batch %d, %d queued: gather %v, want %v", c.last, c.queued, got, c.want)
		}
	}

	// Through Execute: a batch of 9 commands (queued behind a blocked
	// one), then two lone commands: the first waits once, the second,
	// after a batch of one, does not.
	dir := t.TempDir()
	s := openStore(t, dir)
	var waits []time.Duration
	var wmu sync.Mutex
	s.gatherSleep = func(d time.Duration) {
		wmu.Lock()
		waits = append(waits, d)
		wmu.Unlock()
	}
	base := s.Stats()
	release := make(chan struct{})
	var first sync.WaitGroup
	first.Go(func() {
		exec(t, s, func(st *projections.State) ([]events.Event, error) {
			<-release
			return Enqueue(ActorOperator, []string{"dev-libs/blocker-1"})(st)
		})
	})
	for s.Stats().Batches == base.Batches {
		time.Sleep(time.Millisecond)
	}
	const n = gatherSiblings + 1
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { exec(t, s, Enqueue(ActorOperator, []string{fmt.Sprintf("dev-libs/p%d-1", i)})) })
	}
	for deadline := time.Now().Add(time.Minute); s.queued() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(release)
	first.Wait()
	wg.Wait()
	if len(waits) != 0 {
		t.Fatalf("the batch of %d behind a batch of one waited %v", n, waits)
	}
	exec(t, s, Enqueue(ActorOperator, []string{"dev-libs/lone-1"}))
	exec(t, s, Enqueue(ActorOperator, []string{"dev-libs/lone-2"}))
	if len(waits) != 1 || waits[0] != gatherDelay {
		t.Fatalf("two lone commands after a batch of %d: waits %v, want one of %v", n, waits, gatherDelay)
	}
}
