package projections

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The chunked ready list holds exactly what one sorted slice would, in the
// same order, under any mix of inserts and removals, including ones that
// split and merge chunks and ones of keys absent or present already.
func TestReadyListMatchesASortedSlice(t *testing.T) {
	for _, tc := range []struct {
		name     string
		keys     int // distinct keys drawn from
		ops      int
		insertPc int // percent of operations that insert
	}{
		{"small", 8, 2_000, 50},
		{"grows past many chunks", 5_000, 40_000, 70},
		{"drains to empty", 3_000, 40_000, 30},
		{"one priority, seq order", 2_000, 20_000, 55},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.keys)))
			var r readyList
			var want []queued
			for i := range tc.ops {
				n := rng.IntN(tc.keys)
				k := queued{prio: 0, seq: uint64(n)}
				if tc.name != "one priority, seq order" {
					k.prio = time.Duration(n%17) * time.Second
				}
				j, found := slices.BinarySearchFunc(want, k, queued.compare)
				if rng.IntN(100) < tc.insertPc {
					r.insert(k)
					if !found {
						want = slices.Insert(want, j, k)
					}
				} else {
					r.remove(k)
					if found {
						want = slices.Delete(want, j, j+1)
					}
				}
				if i%97 == 0 || i == tc.ops-1 {
					checkReady(t, &r, want)
				}
			}
			c := r.clone()
			checkReady(t, &c, want)
			var b readyList
			b.build(want)
			checkReady(t, &b, want)
		})
	}
}

func checkReady(t *testing.T, r *readyList, want []queued) {
	t.Helper()
	if got := r.all(); !slices.Equal(got, want) || r.Len() != len(want) {
		t.Fatalf("ready list holds %d keys (Len %d), want %d, or the order differs", len(got), r.Len(), len(want))
	}
	for i, c := range r.chunks {
		if len(c) == 0 || len(c) > 2*readyChunk {
			t.Fatalf("chunk %d holds %d keys", i, len(c))
		}
	}
	if len(want) > 0 && len(r.chunks) > 1+2*len(want)/readyChunk {
		t.Fatalf("%d chunks for %d keys", len(r.chunks), len(want))
	}
}
