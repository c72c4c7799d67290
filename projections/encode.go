package projections

import (
	"encoding/binary"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// The snapshot payload: a State in a compact binary form (format version 10).
// Integers are uvarints (varints where signed), strings a uvarint length and
// bytes, lists a uvarint count and items, times varint Unix seconds and
// uvarint nanoseconds (UTC), floats 8 bytes little-endian, booleans one byte.
// Packages go by atom, drones by id, promoted atoms sorted, so one State
// always encodes to the same bytes. Per-state counters are not stored: they
// are recomputed on load. Any change here is a new format version.

// encoder appends to a byte slice. pace, when set, is called between
// chunks of packages (SavePaced).
type encoder struct {
	b    []byte
	pace func()
}

// paceEvery is how many packages an encoder writes between calls of pace:
// about half a millisecond of work.
const paceEvery = 2048

func (w *encoder) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *encoder) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *encoder) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *encoder) float(f float64) {
	w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(f))
}

func (w *encoder) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *encoder) time(t time.Time) { w.int(t.Unix()); w.uint(uint64(t.Nanosecond())) }

func (w *encoder) strs(list []string) {
	w.uint(uint64(len(list)))
	for _, s := range list {
		w.str(s)
	}
}

// appendState appends the payload encoding of s to b.
func appendState(b []byte, s *State) []byte { return appendStatePaced(b, s, nil) }

// appendStatePaced is appendState calling pace (if set) between chunks of
// the work.
func appendStatePaced(b []byte, s *State, pace func()) []byte {
	w := &encoder{b: b, pace: pace}
	w.uint(s.Seq)
	w.time(s.Time)
	w.bool(s.Paused != nil)
	if s.Paused != nil {
		w.str(s.Paused.Reason)
		w.time(s.Paused.Since)
		w.str(s.Paused.Signature)
	}
	w.bool(s.Fresh != nil)
	if s.Fresh != nil {
		w.str(s.Fresh.Tree)
		w.time(s.Fresh.Since)
	}
	w.time(s.Sync.Time)
	w.str(s.Sync.Tree)
	w.uint(s.World)
	w.uint(s.freshBinaries)
	w.packages(s.packages)
	w.drones(s.drones)
	w.exclusions(s.exclusions)
	w.strs(slices.Sorted(maps.Keys(s.promoted)))
	live := s.recent.live()
	w.uint(uint64(len(live)))
	for _, t := range live {
		w.time(t)
	}
	w.uint(uint64(len(s.durations)))
	for _, cp := range slices.Sorted(maps.Keys(s.durations)) {
		w.str(cp)
		w.int(int64(s.durations[cp]))
	}
	w.uint(uint64(len(s.failures)))
	for _, f := range s.failures {
		w.time(f.Time)
		w.str(f.Drone)
		w.str(f.Atom)
		w.str(f.Signature)
	}
	w.builds(s.builds)
	w.retired(&s.retired)
	w.uint(s.lastPromoted)
	w.strs(s.Settings())
	return w.b
}

func (w *encoder) packages(m map[string]*Package) {
	w.uint(uint64(len(m)))
	for i, p := range sortedValues(m, func(p *Package) string { return p.Atom }, w.pace) {
		if w.pace != nil && i%paceEvery == paceEvery-1 {
			w.pace()
		}
		w.str(p.Atom)
		w.str(string(p.State))
		w.uint(uint64(p.Attempts))
		w.str(p.Drone)
		w.uint(p.Fence)
		w.int(int64(p.Lease))
		w.time(p.ClaimedAt)
		w.time(p.LeaseUntil)
		w.str(p.LastFailure)
		w.uint(p.LastFailureSeq)
		w.strs(p.FailedOn)
		w.strs(p.ReturnedBy)
		w.uint(p.EnqueuedSeq)
		w.str(p.BuiltBy)
		w.uint(p.BuiltSeq)
		w.int(int64(p.BuildTime))
		w.uint(p.Progress)
		w.time(p.ProgressAt)
		w.strs(p.Requires)
		w.str(p.Use)
		w.strs(p.Deps)
		w.int(int64(p.Priority))
		w.bool(p.excluded)
		w.str(p.Held)
		w.strs(p.StartFailedOn)
		w.uint(uint64(p.Stalls))
	}
}

func (w *encoder) drones(m map[string]*Drone) {
	w.uint(uint64(len(m)))
	for _, d := range sortedValues(m, func(d *Drone) string { return d.ID }, w.pace) {
		w.str(d.ID)
		w.str(string(d.Health))
		w.uint(uint64(d.Cores))
		w.uint(d.MemoryMB)
		w.strs(d.Capabilities)
		w.str(d.Version)
		w.str(d.Tree)
		w.float(d.CPUPercent)
		w.float(d.MemoryPercent)
		w.float(d.DiskPercent)
		w.float(d.Load)
		w.strs(d.Tasks)
		w.time(d.LastSeen)
		w.bool(d.Grounded)
		w.time(d.GroundedUntil)
		w.str(d.GroundReason)
		w.uint(uint64(len(d.Streak)))
		for _, k := range d.Streak {
			w.str(k.Atom)
			w.str(k.Signature)
		}
		w.time(d.LastBuilt)
		w.uint(uint64(d.Slots))
		w.bool(d.Online)
		w.time(d.Registered)
		w.strs(d.StartFailures)
		w.strs(d.Portage)
		w.str(d.Fingerprint)
		w.time(d.SampledAt)
		w.time(d.GroundedSince)
	}
}

func (w *encoder) exclusions(list []Exclusion) {
	w.uint(uint64(len(list)))
	for _, x := range list {
		w.str(x.Pattern)
		w.str(x.Drone)
		w.str(x.Reason)
		w.uint(x.Seq)
	}
}

// sortedValues returns m's values in the order of their keys (key(v),
// one per value). With pace set it calls pace between pieces of the work:
// runs of paceEvery values sorted one by one, then merged pairwise, a call
// per paceEvery values moved. Unpaced, sorting 100,000 packages took a
// core for ~30 ms in one piece, the only part of a snapshot's encoding the
// pacer could not split.
func sortedValues[V any](m map[string]V, key func(V) string, pace func()) []V {
	// Each key is read once and sorted beside its value: comparing
	// through key (a pointer to follow per comparison, n log n of them)
	// took two to three times as long.
	type keyed struct {
		k string
		v V
	}
	kvs := make([]keyed, 0, len(m))
	for _, v := range m {
		kvs = append(kvs, keyed{key(v), v})
	}
	byKey := func(a, b keyed) int { return strings.Compare(a.k, b.k) }
	if pace == nil || len(kvs) <= paceEvery {
		slices.SortFunc(kvs, byKey)
	} else {
		for lo := 0; lo < len(kvs); lo += paceEvery {
			slices.SortFunc(kvs[lo:min(lo+paceEvery, len(kvs))], byKey)
			pace()
		}
		tmp := make([]keyed, len(kvs))
		moved := 0
		for width := paceEvery; width < len(kvs); width *= 2 {
			for lo := 0; lo < len(kvs); lo += 2 * width {
				mid, hi := min(lo+width, len(kvs)), min(lo+2*width, len(kvs))
				i, j, k := lo, mid, lo
				for ; i < mid && j < hi; k++ {
					if kvs[j].k < kvs[i].k { // keys are unique: no ties
						tmp[k], j = kvs[j], j+1
					} else {
						tmp[k], i = kvs[i], i+1
					}
				}
				k += copy(tmp[k:], kvs[i:mid])
				copy(tmp[k:], kvs[j:hi])
				for moved += hi - lo; moved >= paceEvery; moved -= paceEvery {
					pace() // a merge is a millisecond or two at most
				}
			}
			kvs, tmp = tmp, kvs
		}
	}
	vs := make([]V, len(kvs))
	for i := range kvs {
		vs[i] = kvs[i].v
	}
	return vs
}
