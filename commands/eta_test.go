package commands

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// TestEstimateETA: the forecast is the scheduler's bound over what is
// left with the drones that can work: the chain when it is longest, the
// core-time when the work is wide; nothing when no drone can work.
func TestEstimateETA(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	build := func(drones map[string]uint32, atoms map[string][]string, learned map[string]uint64) *projections.State {
		st := projections.New()
		seq := uint64(0)
		apply := func(e events.Event) {
			seq++
			e.Seq, e.Time = seq, t0
			st.Apply(&e)
		}
		for id, cores := range drones {
			apply(events.Event{Type: events.TypeDroneRegistered, Actor: id, Drone: id, Cores: cores, Health: "healthy"})
		}
		for atom, deps := range atoms {
			apply(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: atom, Deps: deps})
		}
		for cp, ms := range learned {
			apply(events.Event{Type: events.TypeDurationLearned, Actor: "operator", Atom: cp, Count: ms})
		}
		return st
	}
	hour := uint64(time.Hour / time.Millisecond)
	// A chain of two one-hour builds on one 8-core drone (the reference):
	// two hours, whatever the fleet's width.
	st := build(map[string]uint32{"d1": 8, "d2": 8},
		map[string][]string{"a/x-1": nil, "a/y-1": {"a/x-1"}}, map[string]uint64{"a/x": hour, "a/y": hour})
	eta, ok := EstimateETA(st, t0)
	if !ok || eta.Seconds != 7200 || eta.Remaining != 2 || eta.Measured != 2 || eta.Drones != 2 {
		t.Fatalf("chain: %+v %v, want 7200 s", eta, ok)
	}
	// Four independent one-hour builds on two 8-core drones: two hours of
	// core-time each.
	st = build(map[string]uint32{"d1": 8, "d2": 8},
		map[string][]string{"a/p-1": nil, "a/q-1": nil, "a/r-1": nil, "a/s-1": nil},
		map[string]uint64{"a/p": hour, "a/q": hour, "a/r": hour, "a/s": hour})
	if eta, ok := EstimateETA(st, t0); !ok || eta.Seconds != 7200 || !eta.At.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("wide: %+v %v, want 7200 s", eta, ok)
	}
	// No drone: no estimate.
	st = build(nil, map[string][]string{"a/p-1": nil}, nil)
	if eta, ok := EstimateETA(st, t0); ok {
		t.Fatalf("no drones: %+v, want none", eta)
	}
}

// sortBySeq orders like a comparison sort, over seqs of every width.
func TestSortBySeq(t *testing.T) {
	for _, tc := range []struct {
		n    int
		bits uint
	}{{0, 8}, {1, 8}, {100, 8}, {5000, 20}, {5000, 40}, {2000, 64}} {
		rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.bits)))
		seen := map[uint64]bool{}
		var ks []projections.PendingRef
		for len(ks) < tc.n {
			if s := rng.Uint64() >> (64 - tc.bits); !seen[s] {
				seen[s] = true
				ks = append(ks, projections.PendingRef{Seq: s, Atom: strconv.FormatUint(s, 36)})
			}
		}
		want := slices.Clone(ks)
		slices.SortFunc(want, func(a, b projections.PendingRef) int { return cmp.Compare(a.Seq, b.Seq) })
		if got := sortBySeq(ks); !slices.EqualFunc(got, want, func(a, b projections.PendingRef) bool { return a.Seq == b.Seq && a.Atom == b.Atom }) {
			t.Fatalf("%d seqs of %d bits: sorted wrong", tc.n, tc.bits)
		}
	}
}

// A report begun under the store's lock and finished after it is the
// report of the State as it was at BeginReport, however the State moved
// before Finish: what the server serves with the estimate made outside
// the lock.
func TestBeginReportThenFinish(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	atoms := []string{"a/x-1", "a/y-1", "a/z-1"}
	farm := func() *projections.State { // three packages in a chain, one with a learned time
		st := projections.New()
		evs := []events.Event{
			{Type: events.TypeDroneRegistered, Actor: "d1", Drone: "d1", Cores: 8, Health: "healthy"},
			{Type: events.TypeDurationLearned, Actor: "operator", Atom: "a/x", Count: 60_000},
		}
		for i, a := range atoms {
			evs = append(evs, events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: a, Deps: atoms[:i]})
		}
		for i := range evs {
			evs[i].Seq, evs[i].Time = uint64(i+1), t0
			st.Apply(&evs[i])
		}
		return st
	}
	r, cfg := DefaultRules(), config.Default()
	for _, reuse := range []bool{false, true} {
		st := farm()
		var m ETAMemo
		want := StatusReport(st, r, cfg, t0)
		if reuse {
			want.ETA = m.BeginReport(st, r, cfg, t0.Add(-time.Second)).Finish().ETA
		}
		p := m.BeginReport(st, r, cfg, t0)
		for i, a := range atoms { // the farm moves on before Finish
			st.Apply(&events.Event{Type: events.TypeDequeued, Seq: st.Seq + uint64(i) + 1, Time: t0, Actor: "operator", Atom: a})
		}
		got := p.Finish()
		if !reflect.DeepEqual(got, want) || got.ETA == nil || got.ETA.Remaining != 3 || got.ETA.Measured != 1 {
			t.Fatalf("reuse %v: finished report\n%+v (ETA %+v)\nwant\n%+v (ETA %+v)", reuse, got, got.ETA, want, want.ETA)
		}
	}
}

// A server's report waits for the memo's first estimate only: once one is
// kept, reports within ETAReuse carry it as it is, a due report answers
// with it and the next is made after the
// answer, which the reports after it then carry.
func TestBeginReportRefreshesInTheBackground(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	st := projections.New()
	apply := func(e events.Event) {
		e.Seq, e.Time = st.Seq+1, t0
		st.Apply(&e)
	}
	apply(events.Event{Type: events.TypeDroneRegistered, Actor: "d1", Drone: "d1", Cores: 8, Health: "healthy"})
	apply(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: "a/x-1"})
	r, cfg := DefaultRules(), config.Default()
	var m ETAMemo
	if rep := m.BeginReport(st, r, cfg, t0).Finish(); rep.ETA == nil || rep.ETA.Remaining != 1 {
		t.Fatalf("the first report's ETA %+v, want one made for it", rep.ETA)
	}
	apply(events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: "a/y-1"})
	if p := m.BeginReport(st, r, cfg, t0.Add(ETAReuse-time.Millisecond)); p.work != nil || p.Finish().ETA.Remaining != 1 {
		t.Fatal("within ETAReuse the kept estimate is not reported as it is")
	}
	due := t0.Add(ETAReuse)
	p := m.BeginReport(st, r, cfg, due)
	if p.work == nil || !p.background {
		t.Fatalf("a due report made no work in the background: %+v", p)
	}
	if rep := p.Finish(); rep.ETA == nil || rep.ETA.Remaining != 1 {
		t.Fatalf("a due report's ETA %+v, want the kept one (1 package)", rep.ETA)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		m.mu.Lock()
		busy, at := m.busy, m.at
		m.mu.Unlock()
		if !busy && at.Equal(due) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the background estimate never landed (busy %v, made for %v)", busy, at)
		}
		time.Sleep(time.Millisecond)
	}
	if rep := m.BeginReport(st, r, cfg, due.Add(time.Second)).Finish(); rep.ETA == nil || rep.ETA.Remaining != 2 {
		t.Fatalf("the report after it: ETA %+v, want the new estimate of 2 packages", rep.ETA)
	}
}
