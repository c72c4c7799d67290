package projections

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// sameState fails t unless a and b agree in every view and byte for byte in
// their snapshot encoding (which holds every field, exported or not).
func sameState(t *testing.T, what string, a, b *State) {
	t.Helper()
	va, vb := a.View(), b.View()
	if !reflect.DeepEqual(va, vb) {
		ja, _ := json.MarshalIndent(va, "", " ")
		jb, _ := json.MarshalIndent(vb, "", " ")
		t.Fatalf("%s: views differ\n--- want\n%s\n--- got\n%s", what, firstDiff(ja, jb), firstDiff(jb, ja))
	}
	if !bytes.Equal(fingerprint(a), fingerprint(b)) {
		t.Fatalf("%s: views agree but states differ", what)
	}
}

// firstDiff returns a's lines around where a and b first differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return string(a[max(0, i-300):min(len(a), i+300)])
}

// checkInvariants fails t if the incremental bookkeeping disagrees with the
// packages and drones it summarises.
func checkInvariants(t *testing.T, s *State) {
	t.Helper()
	var counts [numStates]int
	for atom, p := range s.packages {
		counts[p.State.index()]++
		building := p.State == Building
		if building != (p.Drone != "") || building == p.LeaseUntil.IsZero() {
			t.Fatalf("seq %d: %s is %s with drone %q, lease until %v", s.Seq, atom, p.State, p.Drone, p.LeaseUntil)
		}
		if building && !slices.Contains(s.drones[p.Drone].Tasks, atom) {
			t.Fatalf("seq %d: %s building on %s but not among its tasks", s.Seq, atom, p.Drone)
		}
		if p.State == Excluded && !p.excluded {
			t.Fatalf("seq %d: %s excluded without a matching exclusion", s.Seq, atom)
		}
	}
	if counts != s.counts {
		t.Fatalf("seq %d: counts %v, recount %v", s.Seq, s.counts, counts)
	}
	// The dispatch order must be exactly the ready needed packages, in
	// priority order, and every unmet count true.
	var order []queued
	ready := 0
	for _, p := range s.packages {
		if p.unmet != s.countUnmet(p) {
			t.Fatalf("seq %d: %s counts %d unmet dependencies, has %d", s.Seq, p.Atom, p.unmet, s.countUnmet(p))
		}
		if p.State == Needed && p.unmet == 0 {
			ready++
		}
	}
	for p := range s.Needed() {
		if p.State != Needed || p.unmet != 0 {
			t.Fatalf("seq %d: %s (%s, %d unmet) in the dispatch order", s.Seq, p.Atom, p.State, p.unmet)
		}
		order = append(order, keyOf(p))
	}
	requiring := 0
	for _, p := range s.packages {
		if len(p.Requires) > 0 {
			requiring++
		}
	}
	if requiring != s.requiring {
		t.Fatalf("seq %d: %d packages require capabilities, the State counts %d", s.Seq, requiring, s.requiring)
	}
	if len(order) != ready || s.needed.Len() != len(order) || !slices.IsSortedFunc(order, queued.compare) {
		t.Fatalf("seq %d: dispatch order %v for %d ready packages", s.Seq, order, ready)
	}
	for id, d := range s.drones {
		for _, atom := range d.Tasks {
			if p := s.packages[atom]; p == nil || p.State != Building || p.Drone != id {
				t.Fatalf("seq %d: %s lists task %s that it is not building", s.Seq, id, atom)
			}
		}
	}
}

func TestInvariantsHoldAtEveryEvent(t *testing.T) {
	for seed := range uint64(10) {
		f := newFarm(seed, 10)
		if seed%2 == 1 { // packages that only some drones can build
			f.requires = 0.2
		}
		s := New()
		for _, e := range f.events(4000) {
			s.Apply(&e)
			checkInvariants(t, s)
		}
		if s.Count(Built) == 0 || s.Count(Building) == 0 && s.Count(Needed) == 0 {
			t.Fatalf("seed %d: an unrealistic farm: %+v", seed, s.Status().Queue)
		}
	}
}

// Replaying any prefix and then the rest equals replaying everything, whether
// the prefix's State is kept in memory, cloned, or saved to a snapshot and
// loaded back.
func TestPrefixThenRestEqualsAll(t *testing.T) {
	ctx := t.Context()
	for seed := range uint64(12) {
		evs := newFarm(seed, 3+int(seed)*5).events(3000)
		src := sliceSource(evs)
		all, err := Replay(ctx, src, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 99))
		for _, cut := range []uint64{0, 1, uint64(rng.IntN(len(evs))), uint64(rng.IntN(len(evs))), uint64(len(evs))} {
			what := fmt.Sprintf("seed %d, cut at %d", seed, cut)
			prefix, err := Replay(ctx, src, nil, max(cut, 1))
			if cut == 0 {
				prefix = New()
			}
			if err != nil {
				t.Fatal(err)
			}
			viaClone, _ := Replay(ctx, src, prefix.Clone(), 0)
			sameState(t, what+" (clone)", all, viaClone)

			dir := t.TempDir()
			head := sha256.Sum256([]byte(what))
			if err := Save(dir, prefix, head); err != nil {
				t.Fatal(err)
			}
			loaded, err := LoadLatest(dir, 0, func(_ uint64, h [32]byte) bool { return h == head }, nil)
			if err != nil || loaded.Seq != prefix.Seq {
				t.Fatalf("%s: loaded seq %d, %v", what, loaded.Seq, err)
			}
			sameState(t, what+" (snapshot)", prefix, loaded)
			rest, err := Replay(ctx, src, loaded, 0)
			if err != nil {
				t.Fatal(err)
			}
			sameState(t, what+" (snapshot, then rest)", all, rest)
		}
	}
}

// The events of a real log are reused between iterations: a projection that
// kept a pointer or slice from one would go wrong here, not with fresh events.
func TestReusedEventsAreNotKept(t *testing.T) {
	evs := newFarm(3, 8).events(2000)
	fresh := New()
	for i := range evs {
		e := evs[i]
		fresh.Apply(&e)
	}
	reused, err := Replay(t.Context(), sliceSource(evs), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, "reused events", fresh, reused)
}

func TestApplyIgnoresEventsThatDoNotFitInAFarm(t *testing.T) {
	f := newFarm(5, 8)
	f.invalid = 0.3
	s := New()
	for _, e := range f.events(3000) {
		s.Apply(&e)
		checkInvariants(t, s)
	}
}
