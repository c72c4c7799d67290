package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

func openStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := OpenStore(dir, StoreOptions{SnapshotEvery: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func exec(t *testing.T, s *Store, d Decider) Outcome {
	t.Helper()
	out, err := s.Execute(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEnqueue(t *testing.T) {
	s := openStore(t, t.TempDir())
	out := exec(t, s, Enqueue(ActorOperator, []string{"sys-devel/llvm-19.1.7", "=dev-lang/perl-5.24.0-r1", "sys-devel/llvm-19.1.7"}))
	if len(out.Events) != 2 || out.Events[1].Atom != "dev-lang/perl-5.24.0-r1" {
		t.Fatalf("events: %+v", out.Events)
	}
	// Re-enqueueing a queued atom is a no-op.
	if out := exec(t, s, Enqueue(ActorOperator, []string{"sys-devel/llvm-19.1.7"})); len(out.Events) != 0 {
		t.Fatalf("re-enqueue appended %+v", out.Events)
	}
	// One bad atom: nothing appended.
	_, err := s.Execute(context.Background(), Enqueue(ActorOperator, []string{"dev-libs/ok-1.0", "sys-devel/llvm"}))
	if !errors.Is(err, ErrBadAtom) {
		t.Fatalf("want ErrBadAtom, got %v", err)
	}
	st, _ := s.Load(context.Background())
	if st.Seq != 2 {
		t.Fatalf("seq %d after a rejected enqueue, want 2", st.Seq)
	}
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir())
	r := DefaultRules()
	const atom = "dev-libs/icu-60.2"
	exec(t, s, Enqueue(ActorOperator, []string{atom}))
	if _, err := s.Execute(ctx, Claim(r, time.Now(), "d1", atom)); !errors.Is(err, ErrUnknownDrone) {
		t.Fatalf("claim by an unregistered drone: %v", err)
	}
	for _, d := range []string{"d1", "d2", "d3"} {
		exec(t, s, Register(DroneInfo{ID: d, Cores: 8}, nil, nil))
	}
	c := exec(t, s, Claim(r, time.Now(), "d1", atom)).Events[0]
	if c.Fence != c.Seq {
		t.Fatalf("fence %d should be the claim's seq %d", c.Fence, c.Seq)
	}
	if _, err := s.Execute(ctx, Claim(r, time.Now(), "d2", atom)); !errors.Is(err, ErrNotNeeded) {
		t.Fatalf("second claim: %v", err)
	}
	exec(t, s, Fail(r, time.Now(), "d1", atom, c.Fence, Failure{Signature: "compile"}))
	if _, err := s.Execute(ctx, Complete("d1", atom, c.Fence, Binpkg{})); !errors.Is(err, ErrNotBuilding) {
		t.Fatalf("complete after fail: %v", err)
	}
	c2 := exec(t, s, Claim(r, time.Now(), "d2", atom)).Events[0]
	if _, err := s.Execute(ctx, Complete("d1", atom, c.Fence, Binpkg{})); !errors.Is(err, ErrStaleFence) {
		t.Fatalf("stale complete: %v", err)
	}
	f := exec(t, s, Fail(r, time.Now(), "d2", atom, c2.Fence, Failure{Signature: "compile"})).Events[0]
	if !f.Final {
		t.Fatal("a failure on the second distinct drone should be final")
	}
	st, _ := s.Load(ctx)
	if p, _ := st.Package(atom); p.State != projections.Failed || p.Attempts != 2 {
		t.Fatalf("package %+v", p)
	}
	// A failed package enqueued again, then built, is built.
	exec(t, s, Enqueue(ActorOperator, []string{atom}))
	c3 := exec(t, s, Claim(r, time.Now(), "d3", atom)).Events[0]
	exec(t, s, Complete("d3", atom, c3.Fence, Binpkg{}))
	st, _ = s.Load(ctx)
	if p, _ := st.Package(atom); p.State != projections.Built {
		t.Fatalf("package %+v", p)
	}
}

func TestPauseResume(t *testing.T) {
	s := openStore(t, t.TempDir())
	exec(t, s, Pause(ActorOperator, "tree update"))
	if _, err := s.Execute(context.Background(), Pause(ActorOperator, "again")); !errors.Is(err, ErrAlreadyPaused) {
		t.Fatalf("pause twice: %v", err)
	}
	exec(t, s, Resume(ActorOperator))
	if _, err := s.Execute(context.Background(), Resume(ActorOperator)); !errors.Is(err, ErrNotPaused) {
		t.Fatalf("resume twice: %v", err)
	}
}

// TestConcurrentClaimers: 200 claimers on two stores over one folder (as a
// CLI process beside the orchestrator would be) race for 100 packages. Every
// package is claimed exactly once and no claim overlaps another on one atom.
func TestConcurrentClaimers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openStore(t, dir), openStore(t, dir)
	var atoms []string
	for i := range 100 {
		atoms = append(atoms, fmt.Sprintf("dev-libs/pkg%d-1.%d", i, i))
	}
	exec(t, a, Enqueue(ActorOperator, atoms))
	for c := range 200 {
		exec(t, a, Register(DroneInfo{ID: fmt.Sprintf("d%d", c), Cores: 4}, nil, nil))
	}
	var wg sync.WaitGroup
	for c := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if c%2 == 1 {
				s = b
			}
			for k := range 10 {
				atom := atoms[(c*13+k)%len(atoms)]
				_, err := s.Execute(ctx, Claim(DefaultRules(), time.Now(), fmt.Sprintf("d%d", c), atom))
				if err != nil && !errors.Is(err, ErrNotNeeded) && !errors.Is(err, ErrNotEligible) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	claims := map[string]int{}
	for e, err := range a.Log().Events(ctx, 1) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == events.TypeClaimed {
			claims[e.Atom]++
		}
	}
	for _, atom := range atoms {
		if claims[atom] != 1 {
			t.Fatalf("%s claimed %d times", atom, claims[atom])
		}
	}
}

func TestLoadAtAndSnapshots(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	for i := range 120 {
		exec(t, s, Enqueue(ActorOperator, []string{fmt.Sprintf("dev-libs/p%d-1", i)}))
	}
	s.Close()
	s2 := openStore(t, dir) // loads from the snapshot written at 100
	st, err := s2.Load(ctx)
	if err != nil || st.Seq != 120 || st.Count(projections.Needed) != 120 {
		t.Fatalf("load: seq %d err %v", st.Seq, err)
	}
	past, err := s2.LoadAt(ctx, 30)
	if err != nil || past.Seq != 30 || past.Count(projections.Needed) != 30 {
		t.Fatalf("load at 30: seq %d err %v", past.Seq, err)
	}
}

// TestClaimKeepsTheDispatchRules: a claim of a named package is refused
// for what Dispatch would refuse it for, naming the rule.
func TestClaimKeepsTheDispatchRules(t *testing.T) {
	s := openStore(t, t.TempDir())
	r := DefaultRules()
	exec(t, s, Enqueue(ActorOperator, []string{"app-misc/a-1", "app-misc/b-1"}))
	exec(t, s, Register(DroneInfo{ID: "d1", Cores: 4}, nil, nil))
	exec(t, s, Exclude(ActorOperator, "app-misc/b", "", "broken upstream"))
	_, err := s.Execute(context.Background(), Claim(r, time.Now(), "d1", "app-misc/b-1"))
	if !errors.Is(err, ErrNotNeeded) && !errors.Is(err, ErrNotEligible) {
		t.Fatalf("claim of an excluded package: %v", err)
	}
	exec(t, s, Ground(ActorOperator, "d1", time.Now().Add(time.Hour), "testing"))
	_, err = s.Execute(context.Background(), Claim(r, time.Now(), "d1", "app-misc/a-1"))
	if !errors.Is(err, ErrNotEligible) || !strings.Contains(err.Error(), "grounded") {
		t.Fatalf("claim by a grounded drone: %v", err)
	}
}
