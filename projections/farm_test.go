package projections

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

func TestPauseKeepsTheFirstReason(t *testing.T) {
	s := feed(New(), events.Event{Type: events.TypeQueuePaused, Actor: "orchestrator", Reason: "systemic: slot-conflict"},
		events.Event{Type: events.TypeQueuePaused, Actor: "operator", Reason: "maintenance"})
	if p := s.Status().Paused; p == nil || p.Reason != "systemic: slot-conflict" || !p.Since.Equal(t0.Add(time.Minute)) {
		t.Fatalf("paused: %+v", p)
	}
	feed(s, events.Event{Type: events.TypeQueueResumed, Actor: "operator"})
	if s.Status().Paused != nil {
		t.Fatal("still paused after resume")
	}
}

// TestFreshAndBinary: Binary counts the packages of the current plan (the
// queue, plus what the fresh found already binary) that have a promoted
// build; a promotion of a package no longer planned counts for nothing,
// and a package promoted twice counts once.
func TestFreshAndBinary(t *testing.T) {
	const atomC, gone = "app-misc/c-1", "app-misc/gone-1"
	s := feed(New(),
		events.Event{Type: events.TypeFreshStarted, Actor: "operator", Tree: "2026-01-23T00:45Z"},
		ev(events.TypeEnqueued, atomA, "", 0), ev(events.TypeEnqueued, atomB, "", 0), ev(events.TypeEnqueued, atomC, "", 0),
		events.Event{Type: events.TypeFreshCompleted, Actor: "operator", Tree: "2026-01-23T00:45Z", Count: 264, Size: 2},
		events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: atomA},
		events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: atomA},
		events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: gone},
		events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: atomB, CPV: strings.TrimPrefix(atomB, "="),
			BuildID: 1, Path: "x/y.gpkg.tar"})
	st := s.Status()
	if st.World != 264 || st.Binary != (Binary{Available: 4, Total: 5}) || s.Fresh != nil {
		t.Fatalf("status: %+v, want world 264, binary 4/5", st)
	}
	if st.Sync.Time == nil || st.Sync.Tree != "2026-01-23T00:45Z" {
		t.Fatalf("sync: %+v", st.Sync)
	}
	for _, r := range s.QueueList("") {
		if want := r.Atom != atomC; r.Binary != want || s.HasBinary(r.Atom) != want {
			t.Errorf("%s: binary %v, want %v", r.Atom, r.Binary, want)
		}
	}
}

func TestRatePerHourSlidesWithEventTime(t *testing.T) {
	s := feed(New(), register("d1"))
	for i := range 10 {
		atom := "cat/pkg" + string(rune('a'+i)) + "-1"
		feed(s, ev(events.TypeEnqueued, atom, "", 0), ev(events.TypeClaimed, atom, "d1", uint64(i+1)),
			ev(events.TypeCompleted, atom, "d1", uint64(i+1)))
	}
	// Ten completions at minutes 4, 7, … 31.
	if r := s.Status().RatePerHour; r != 10 {
		t.Fatalf("rate %v, want 10", r)
	}
	feed(s, events.Event{Type: events.TypeDroneHealth, Actor: "d1", Time: t0.Add(64*time.Minute + time.Second)})
	if r := s.Status().RatePerHour; r != 9 {
		t.Fatalf("rate %v an hour after the first completion, want 9", r)
	}
	feed(s, events.Event{Type: events.TypeDroneHealth, Actor: "d1", Time: t0.Add(3 * time.Hour)})
	if r := s.Status().RatePerHour; r != 0 {
		t.Fatalf("rate %v three hours later, want 0", r)
	}
}

func TestExclusions(t *testing.T) {
	s := feed(New(), register("d1"), ev(events.TypeEnqueued, atomA, "", 0), ev(events.TypeEnqueued, "sys-devel/gcc-14.2.1", "", 0),
		ev(events.TypeEnqueued, atomB, "", 0), ev(events.TypeClaimed, atomA, "d1", 1),
		events.Event{Type: events.TypeExcluded, Actor: "operator", Pattern: "sys-devel/*", Reason: "toolchain by hand"})
	want := map[string]PackageState{atomA: Building, "sys-devel/gcc-14.2.1": Excluded, atomB: Needed}
	for atom, st := range want {
		if p := mustPackage(t, s, atom); p.State != st {
			t.Fatalf("%s: %s, want %s", atom, p.State, st)
		}
	}
	// The build caught mid-way finishes its attempt, then is excluded.
	feed(s, ev(events.TypeFailed, atomA, "d1", 1), ev(events.TypeEnqueued, "sys-devel/binutils-2.43", "", 0),
		events.Event{Type: events.TypeExcluded, Actor: "operator", Pattern: "dev-lang/perl", Drone: "d1"})
	if p := mustPackage(t, s, atomA); p.State != Excluded || p.Attempts != 1 {
		t.Fatalf("after failure: %+v", p)
	}
	if c := s.Status().Queue; c.Excluded != 3 || c.Needed != 1 {
		t.Fatalf("counts: %+v", c)
	}
	if xs := s.Exclusions(); len(xs) != 2 || xs[1].Drone != "d1" {
		t.Fatalf("exclusions: %+v", xs)
	}
	feed(s, events.Event{Type: events.TypeIncluded, Actor: "operator", Pattern: "sys-devel/*"})
	if c := s.Status().Queue; c.Excluded != 0 || c.Needed != 4 {
		t.Fatalf("counts after include: %+v", c)
	}
}

func TestReplayUntilAndGap(t *testing.T) {
	evs := newFarm(1, 8).events(500)
	s, err := Replay(t.Context(), sliceSource(evs), nil, 200)
	if err != nil || s.Seq != 200 {
		t.Fatalf("replay until 200: seq %d, %v", s.Seq, err)
	}
	s, err = Replay(t.Context(), sliceSource(evs), s, 0)
	if err != nil || s.Seq != 500 {
		t.Fatalf("replay the rest: seq %d, %v", s.Seq, err)
	}
	gappy := append(append([]events.Event(nil), evs[:10]...), evs[11:]...)
	if _, err := Replay(t.Context(), sliceSource(gappy), nil, 0); err == nil {
		t.Fatal("a gap went unnoticed")
	}
}

func TestConcerns(t *testing.T) {
	cases := []struct {
		e    events.Event
		want bool
	}{
		{events.Event{Type: events.TypeClaimed, Atom: atomA}, true},
		{events.Event{Type: events.TypeClaimed, Atom: atomB}, false},
		{events.Event{Type: events.TypeExcluded, Pattern: "sys-devel/*"}, true},
		{events.Event{Type: events.TypeIncluded, Pattern: "sys-devel/llvm"}, true},
		{events.Event{Type: events.TypeExcluded, Pattern: "dev-lang/*"}, false},
		{events.Event{Type: events.TypeQueuePaused}, false},
	}
	for _, c := range cases {
		if got := Concerns(&c.e, atomA); got != c.want {
			t.Errorf("Concerns(%v %q) = %v", c.e.Type, c.e.Pattern+c.e.Atom, got)
		}
	}
}
