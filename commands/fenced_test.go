package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// TestFencedReportsAreRecorded: a drone's claim is reclaimed and granted
// to another; the first drone's late heartbeat and completion are refused
// by the fence, and each refusal is a report_refused event naming the
// stale fence and the claim that holds. A refused report on a claim that
// merely ended (no newer claim) leaves no trace.
func TestFencedReportsAreRecorded(t *testing.T) {
	f := newTestFarm(t, "a", "b")
	f.enqueue(1)
	ga := f.claim("a")
	exec(t, f.s, Reclaim(ga.Atom, "lease expired"))
	// A report on the ended claim, before anyone else claimed: refused,
	// not recorded.
	_, err := f.s.Execute(context.Background(), Complete("a", ga.Atom, ga.Fence, Binpkg{}))
	sr, ok := errors.AsType[*StaleReport](err)
	if !ok || !errors.Is(err, ErrNotBuilding) || sr.Fenced() {
		t.Fatalf("completion after the reclaim: %v (%+v)", err, sr)
	}
	if out := exec(t, f.s, RefuseReport("complete", sr)); len(out.Events) != 0 {
		t.Fatalf("a report on an ended claim was recorded: %+v", out.Events)
	}
	gb := f.claim("b")
	if gb.Atom != ga.Atom || gb.Fence <= ga.Fence {
		t.Fatalf("b's claim %+v, a's %+v", gb, ga)
	}
	tests := []struct {
		verb string
		call func() []events.Event
	}{
		{"heartbeat", func() []events.Event {
			var ans BeatAnswer
			out := exec(t, f.s, Heartbeat(f.r, time.Now(), "a", Beat{Tasks: []TaskReport{{ga.Atom, ga.Fence, 9}}}, nil, &ans))
			if len(ans.Drop) != 1 {
				t.Errorf("heartbeat: drops %+v", ans.Drop)
			}
			return out.Events
		}},
		{"complete", func() []events.Event {
			_, err := f.s.Execute(context.Background(), Complete("a", ga.Atom, ga.Fence, Binpkg{}))
			sr, ok := errors.AsType[*StaleReport](err)
			if !ok || !errors.Is(err, ErrStaleFence) || !sr.Fenced() || sr.Holder != "b" {
				t.Fatalf("late completion: %v (%+v)", err, sr)
			}
			return exec(t, f.s, RefuseReport("complete", sr)).Events
		}},
	}
	for _, tc := range tests {
		var got *events.Event
		for _, e := range tc.call() {
			if e.Type == events.TypeReportRefused {
				got = &e
			}
		}
		if got == nil || got.Drone != "a" || got.Atom != ga.Atom || got.Fence != ga.Fence ||
			!strings.HasPrefix(got.Reason, tc.verb+" with stale fence") || !strings.Contains(got.Reason, "of b") {
			t.Errorf("%s: recorded %+v; want a report_refused of a's fence %d naming b's claim", tc.verb, got, ga.Fence)
		}
	}
	if st := f.state(); st.Seq == 0 {
		t.Fatal("no state")
	} else if p, _ := st.Package(ga.Atom); p.Drone != "b" || p.Fence != gb.Fence {
		t.Errorf("a refused report changed the package: %+v", p)
	}
}
