package commands

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/events"
)

// TestFencedReportsAreRecorded: a drone's claim is reclaimed and granted
// to another; the first drone's late report is refused by the fence, and
// the refusal is a report_refused event naming the stale fence and the
// claim that holds. A refused report on a claim that merely ended (no
// newer claim), or naming a fence the drone never held, leaves no trace.
func TestFencedReportsAreRecorded(t *testing.T) {
	ctx := context.Background()
	f := newTestFarm(t, "a", "b")
	f.enqueue(1)
	ga := f.claim("a")
	exec(t, f.s, Reclaim(ga.Atom, "lease expired"))
	_, err := f.s.Execute(ctx, Complete("a", ga.Atom, ga.Fence, Binpkg{}))
	sr, ok := errors.AsType[*StaleReport](err)
	if !ok || !errors.Is(err, ErrNotBuilding) || sr.Fenced() {
		t.Fatalf("completion after the reclaim: %v (%+v)", err, sr)
	}
	seq := f.state().Seq
	if err := f.s.RecordRefusal(ctx, "complete", ga.Atom, "a", ga.Fence); err != nil || f.state().Seq != seq {
		t.Fatalf("a report on an ended claim was recorded (%v)", err)
	}
	gb := f.claim("b")
	if gb.Atom != ga.Atom || gb.Fence <= ga.Fence {
		t.Fatalf("b's claim %+v, a's %+v", gb, ga)
	}
	_, err = f.s.Execute(ctx, Complete("a", ga.Atom, ga.Fence, Binpkg{}))
	if sr, ok := errors.AsType[*StaleReport](err); !ok || !errors.Is(err, ErrStaleFence) || !sr.Fenced() || sr.Holder != "b" {
		t.Fatalf("late completion: %v (%+v)", err, sr)
	}
	seq = f.state().Seq
	for _, bogus := range []struct {
		drone string
		fence uint64
	}{{"b", ga.Fence}, {"a", ga.Fence - 1}, {"a", 1}} {
		if err := f.s.RecordRefusal(ctx, "complete", ga.Atom, bogus.drone, bogus.fence); err != nil || f.state().Seq != seq {
			t.Fatalf("%s's report with fence %d, a claim it never held, was recorded (%v)", bogus.drone, bogus.fence, err)
		}
	}
	if err := f.s.RecordRefusal(ctx, "complete", ga.Atom, "a", ga.Fence); err != nil {
		t.Fatal(err)
	}
	var got *events.Event
	for e, err := range f.s.Log().Events(ctx, seq+1) {
		if err != nil {
			t.Fatal(err)
		}
		got = e
	}
	if got == nil || got.Type != events.TypeReportRefused || got.Drone != "a" || got.Atom != ga.Atom || got.Fence != ga.Fence ||
		!strings.HasPrefix(got.Reason, "complete with stale fence") || !strings.Contains(got.Reason, "of b") {
		t.Errorf("recorded %+v; want a report_refused of a's fence %d naming b's claim", got, ga.Fence)
	}
	if p, _ := f.state().Package(ga.Atom); p.Drone != "b" || p.Fence != gb.Fence {
		t.Errorf("a refused report changed the package: %+v", p)
	}
}
