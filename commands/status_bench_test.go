package commands

import (
	"fmt"
	"testing"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// fleetState is a farm of 1,000 drones, each building one package, 2,000
// built, and ~100,000 more queued: the size of the issue-10 fleet goal.
func fleetState(tb testing.TB) (*projections.State, time.Time) {
	st := projections.New()
	seq := uint64(0)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	apply := func(e events.Event) {
		seq++
		e.Seq, e.Time = seq, now
		st.Apply(&e)
	}
	for i := range 1000 {
		apply(events.Event{Type: events.TypeDroneRegistered, Actor: fmt.Sprintf("f%04d", i), Cores: 4, Count: 2})
	}
	atoms := make([]string, 101_000)
	for i := range atoms {
		atoms[i] = fmt.Sprintf("bench-cat%d/pkg%d-1.%d", i/50_000, i, i%7)
	}
	for i := 0; i < len(atoms); i += 5000 {
		e := events.Event{Type: events.TypeEnqueued, Actor: "op"}
		for _, a := range atoms[i:min(i+5000, len(atoms))] {
			e.Atom = a
			apply(e)
		}
	}
	fence := uint64(0)
	claim := func(i int) {
		fence++
		apply(events.Event{Type: events.TypeClaimed, Actor: "orchestrator", Atom: atoms[i], Drone: fmt.Sprintf("f%04d", i%1000),
			Fence: fence, Lease: time.Minute})
	}
	for i := range 2000 { // built already, as after a few minutes of farming
		claim(i)
		apply(events.Event{Type: events.TypeCompleted, Actor: fmt.Sprintf("f%04d", i%1000), Atom: atoms[i], Fence: fence})
	}
	for i := range 1000 {
		claim(2000 + i)
	}
	return st, now
}

// BenchmarkStatusReportFleet is what GET /v1/status computes (under the
// store's read lock) on the fleet: it must stay well under the 50 ms goal.
func BenchmarkStatusReportFleet(b *testing.B) {
	st, now := fleetState(b)
	cfg := config.Default()
	r := DefaultRules()
	for b.Loop() {
		_ = StatusReport(st, r, cfg, now)
	}
}

// BenchmarkStatusReportFleetReused is what GET /v1/status holds the
// store's lock for on most calls: the server reuses the ETA for ETAReuse,
// so this is the report without the estimate, which claims queue behind.
func BenchmarkStatusReportFleetReused(b *testing.B) {
	st, now := fleetState(b)
	cfg := config.Default()
	r := DefaultRules()
	var m ETAMemo
	_ = m.StatusReport(st, r, cfg, now)
	for b.Loop() {
		_ = m.StatusReport(st, r, cfg, now)
	}
}

// BenchmarkStatusBeginFleet is what GET /v1/status holds the store's lock
// for when an estimate is due (every ETAReuse): the report and the walk
// over the pending packages, not the estimate itself (Finish, after the
// lock). Compare BenchmarkStatusReportFleet, which is all of it.
func BenchmarkStatusBeginFleet(b *testing.B) {
	st, now := fleetState(b)
	cfg := config.Default()
	r := DefaultRules()
	for b.Loop() {
		var m ETAMemo
		_ = m.BeginReport(st, r, cfg, now)
	}
}
