package projections

import (
	"bytes"
	"encoding/gob"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// bigFarm is a farm the size the design speaks of: 20,000 packages and 64
// drones, then n events of dispatching (claims, renewals, completions,
// failures, heartbeats…). Benchmarks build it inside b.Loop's setup, which
// runs once, and hold nothing in globals, so a load is not measured against
// the garbage collector marking another benchmark's fixtures.
func bigFarm(n int) (*State, []events.Event) {
	f := newFarm(42, 64)
	f.invalid, f.exclude = 0.001, 0.05
	f.fill(20_000)
	base := f.s.Clone()
	return base, f.events(n)
}

func BenchmarkApply(b *testing.B) {
	base, evs := bigFarm(200_000)
	s := base.Clone()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(evs) {
			b.StopTimer()
			s, i = base.Clone(), 0
			b.StartTimer()
		}
		s.Apply(&evs[i])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// bigState is the big farm in the middle of its day, its packages in every
// state.
func bigState() *State {
	s, evs := bigFarm(20_000)
	for i := range evs {
		s.Apply(&evs[i])
	}
	return s
}

func BenchmarkSnapshotLoad(b *testing.B) {
	s := bigState()
	dir := b.TempDir()
	if err := Save(dir, s, headOf(s.Seq)); err != nil {
		b.Fatal(err)
	}
	seq, packages := s.Seq, len(s.packages)
	s = nil
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		got, err := LoadLatest(dir, 0, matchingHead, nil)
		if err != nil || got.Seq != seq {
			b.Fatalf("loaded seq %d, %v", got.Seq, err)
		}
	}
	b.ReportMetric(float64(packages), "packages")
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/load")
}

func BenchmarkSnapshotSave(b *testing.B) {
	s := bigState()
	dir := filepath.Join(b.TempDir(), "snapshots")
	b.ReportAllocs()
	for b.Loop() {
		if err := Save(dir, s, headOf(s.Seq)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGobDecode is the road not taken: the same packages and drones
// through encoding/gob, for comparison with BenchmarkSnapshotLoad.
func BenchmarkGobDecode(b *testing.B) {
	s := bigState()
	type mirror struct {
		Packages map[string]*Package
		Drones   map[string]*Drone
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(mirror{s.packages, s.drones}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var m mirror
		if err := gob.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(&m); err != nil {
			b.Fatal(err)
		}
	}
}

// The common path of a replay (claim, renew, fail, claim, complete,
// re-enqueue of a known package by a known drone) must not allocate.
func TestHotPathDoesNotAllocate(t *testing.T) {
	s := feed(New(), register("d1"), register("d2"), ev(events.TypeEnqueued, atomA, "", 0))
	cycle := []events.Event{
		ev(events.TypeClaimed, atomA, "d1", 0), ev(events.TypeLeaseRenewed, atomA, "d1", 0),
		ev(events.TypeFailed, atomA, "d1", 0), ev(events.TypeClaimed, atomA, "d2", 0),
		ev(events.TypeLeaseRenewed, atomA, "d2", 0), ev(events.TypeCompleted, atomA, "d2", 0),
		ev(events.TypeEnqueued, atomA, "", 0),
		{Type: events.TypeDroneHealth, Actor: "d1", Drone: "d1", Health: "healthy", CPUPercent: 50},
	}
	cycle[2].Signature = "compile-error"
	fence := uint64(0)
	run := func() {
		for i := range cycle {
			e := &cycle[i]
			if e.Type == events.TypeClaimed {
				fence++
			}
			if e.Fence != 0 || e.Type == events.TypeClaimed || e.Type == events.TypeFailed ||
				e.Type == events.TypeCompleted || e.Type == events.TypeLeaseRenewed {
				e.Fence = fence
			}
			e.Seq, e.Time = s.Seq+1, s.Time.Add(time.Second)
			s.Apply(e)
		}
	}
	run() // warm up: the first failure on d1 grows FailedOn, the first claims grow Tasks
	if n := testing.AllocsPerRun(500, run); n != 0 {
		t.Fatalf("%v allocations per cycle, want 0", n)
	}
	// 502 cycles (ours, AllocsPerRun's warm-up, 500 measured), 8 s apart: an
	// hour holds 450 completions.
	if p := mustPackage(t, s, atomA); p.State != Needed || p.Attempts != 502 || s.Status().RatePerHour != 450 {
		t.Fatalf("the cycle did not run as intended: %+v, rate %v", p, s.Status().RatePerHour)
	}
}
