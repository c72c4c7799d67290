package projections

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/swarm-build/swarm/events"
)

// walkNotes is notes as it was before the indexes: one walk over every
// package.
func walkNotes(s *State) (stalling, held []PackageNote, bin Binary) {
	bin = Binary{Available: s.freshBinaries, Total: s.freshBinaries + uint64(len(s.packages))}
	for atom, p := range s.packages {
		if s.hasBuild(atom) {
			bin.Available++
		}
		stalling, held = noteOn(p, stalling, held)
	}
	sortNotes(stalling, held)
	return stalling, held, bin
}

// walkRows lists the packages keep selects, as QueueList orders them,
// with Binary asked of the builds rather than the index.
func walkRows(s *State, keep func(*Package) bool) []QueueRow {
	var rows []QueueRow
	for _, p := range s.packages {
		if keep(p) {
			r := s.row(p)
			r.Binary = s.hasBuild(p.Atom)
			rows = append(rows, r)
		}
	}
	sortRows(rows)
	return rows
}

// walkBinhostUsage is BinhostUsage as it was before its counters: a walk
// over every build held.
func walkBinhostUsage(s *State) BinhostUsage {
	u := BinhostUsage{Pruned: s.retired.count, PrunedBytes: s.retired.bytes}
	for _, bs := range s.builds {
		for _, b := range bs {
			if b.Pruned == 0 {
				u.Builds++
				u.Bytes += b.Size
			} else {
				u.Pruned++
				u.PrunedBytes += b.Size
			}
		}
	}
	return u
}

// checkIndex fails t unless every index (index.go) holds exactly what a
// walk over the packages finds, and the views read from them say what the
// walks say (and the whole queue list too, when whole: that one is slow).
func checkIndex(t *testing.T, s *State, whole bool) {
	t.Helper()
	want := newStatusIndex()
	for atom, p := range s.packages {
		bin := s.hasBuild(atom)
		if p.binary != bin {
			t.Fatalf("seq %d: %s binary %v in the index, has a build: %v", s.Seq, atom, p.binary, bin)
		}
		var bits uint8
		for _, in := range []struct {
			set map[string]struct{}
			bit uint8
			in  bool
		}{
			{want.noted, inNoted, p.Held != "" || p.Stalls > 0},
			{want.failed, inFailed, p.State == Failed},
		} {
			if in.in {
				in.set[atom] = struct{}{}
				bits |= in.bit
			}
		}
		if p.indexed != bits {
			t.Fatalf("seq %d: %s marked in indexes %02b, belongs in %02b", s.Seq, atom, p.indexed, bits)
		}
		if p.State == Built && !bin {
			want.unpromoted = append(want.unpromoted, atom)
			if p.unpromotedAt < 1 || int(p.unpromotedAt) > len(s.index.unpromoted) || s.index.unpromoted[p.unpromotedAt-1] != atom {
				t.Fatalf("seq %d: %s is built with no promoted build, at %d of the unpromoted list", s.Seq, atom, p.unpromotedAt)
			}
		} else if p.unpromotedAt != 0 {
			t.Fatalf("seq %d: %s (%s, binary %v) is at %d of the unpromoted list", s.Seq, atom, p.State, bin, p.unpromotedAt)
		}
		if bin {
			want.binaries++
		}
		if k := buildKey(atom); k != atom {
			want.byKey[k] = append(want.byKey[k], atom)
		}
		if p.State == Needed || p.State == Building {
			want.pending = append(want.pending, PendingRef{Seq: p.EnqueuedSeq, Atom: atom, Deps: p.Deps})
			if p.pendingAt < 1 || int(p.pendingAt) > len(s.index.pending) || s.index.pending[p.pendingAt-1].Atom != atom {
				t.Fatalf("seq %d: %s is %s at %d of the pending list", s.Seq, atom, p.State, p.pendingAt)
			}
		} else if p.pendingAt != 0 {
			t.Fatalf("seq %d: %s is %s at %d of the pending list", s.Seq, atom, p.State, p.pendingAt)
		}
	}
	for _, bs := range s.builds {
		for _, b := range bs {
			want.countBuild(b, 1)
		}
	}
	got := s.index.clone()
	for _, l := range [][]PendingRef{want.pending, got.pending} {
		slices.SortFunc(l, func(a, b PendingRef) int { return cmp.Compare(a.Seq, b.Seq) })
	}
	slices.Sort(want.unpromoted)
	slices.Sort(got.unpromoted)
	if len(got.unpromoted) == 0 {
		got.unpromoted = nil // emptied is as good as never filled
	}
	if !reflect.DeepEqual(s.PendingRefs(nil), s.index.pending) || s.PendingCount() != len(want.pending) {
		t.Fatalf("seq %d: PendingRefs is not the pending list", s.Seq)
	}
	for _, m := range []map[string][]string{want.byKey, got.byKey} {
		for _, v := range m {
			slices.Sort(v)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("seq %d: index\n%+v\nwalk\n%+v", s.Seq, got, want)
	}
	ws, wh, wb := walkNotes(s)
	gs, gh, gb := s.notes()
	if !reflect.DeepEqual([]any{gs, gh, gb}, []any{ws, wh, wb}) {
		t.Fatalf("seq %d: notes %v %v %v, walk %v %v %v", s.Seq, gs, gh, gb, ws, wh, wb)
	}
	var unpromoted []QueueRow
	for p := range s.BuiltUnpromoted() {
		unpromoted = append(unpromoted, s.row(p))
	}
	sortRows(unpromoted)
	if want := walkRows(s, func(p *Package) bool { return p.State == Built && !s.hasBuild(p.Atom) }); !reflect.DeepEqual(unpromoted, want) {
		t.Fatalf("seq %d: built unpromoted %v, walk %v", s.Seq, unpromoted, want)
	}
	if got, want := s.QueueList(string(Failed)), walkRows(s, func(p *Package) bool { return p.State == Failed }); !reflect.DeepEqual(got, want) {
		t.Fatalf("seq %d: failed %v, walk %v", s.Seq, got, want)
	}
	if !whole {
		return
	}
	if got, want := s.QueueList(""), walkRows(s, func(*Package) bool { return true }); len(got)+len(want) > 0 && !reflect.DeepEqual(got, want) {
		t.Fatalf("seq %d: queue list differs from a walk", s.Seq)
	}
}

// The indexes status reads agree with a walk over the queue after the
// events of random farms that stall, hold, promote and prune, and queue
// one CPV under several spellings; and after a clone and a snapshot's
// round trip, which rebuilds them.
func TestStatusIndexesMatchAWalk(t *testing.T) {
	sawNotes := map[string]bool{}
	for seed := range uint64(5) {
		f := newFarm(100+seed, 6)
		f.notes = 0.15
		if seed%2 == 1 {
			f.requires = 0.2
		}
		s := New()
		for i, e := range f.events(2500) {
			s.Apply(&e)
			// The rarer events that move an index every time, the rest
			// sampled: an index gone wrong stays wrong until its package
			// moves again, so a sample finds it too.
			switch e.Type {
			case events.TypePromoted, events.TypePruned, events.TypeStartFailed, events.TypeDequeued:
				checkIndex(t, s, i%100 == 0)
			default:
				if i%5 == 0 {
					checkIndex(t, s, i%100 == 0)
				}
			}
			if i%500 == 499 {
				checkIndex(t, s.Clone(), true)
				dir := t.TempDir()
				head := sha256.Sum256(fmt.Append(nil, seed, i))
				if err := Save(dir, s, head); err != nil {
					t.Fatal(err)
				}
				back, err := LoadLatest(dir, 0, func(_ uint64, h [32]byte) bool { return h == head }, nil)
				if err != nil {
					t.Fatal(err)
				}
				checkIndex(t, back, true)
				sameState(t, fmt.Sprintf("seed %d at %d", seed, i), s, back)
			}
			if i%10 != 0 {
				continue
			}
			st := s.Status()
			sawNotes["stalling"] = sawNotes["stalling"] || len(st.Stalling) > 0
			sawNotes["held"] = sawNotes["held"] || len(st.Held) > 0
			sawNotes["unpromoted"] = sawNotes["unpromoted"] || len(s.index.unpromoted) > 0
			sawNotes["failed"] = sawNotes["failed"] || len(s.index.failed) > 0
			sawNotes["binary"] = sawNotes["binary"] || s.index.binaries > 0
			sawNotes["aliases"] = sawNotes["aliases"] || len(s.index.byKey) > 0
			sawNotes["pruned"] = sawNotes["pruned"] || len(s.PrunedBuilds()) > 0
		}
	}
	// The farms must have reached every case, or the test proves little.
	for _, k := range []string{"stalling", "held", "unpromoted", "failed", "binary", "aliases", "pruned"} {
		if !sawNotes[k] {
			t.Errorf("no farm reached a state with %s packages: %v", k, slices.Sorted(maps.Keys(sawNotes)))
		}
	}
}
