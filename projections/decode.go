package projections

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

var errPayload = errors.New("bad snapshot payload")

// decoder reads the payload encoding (encode.go). Every string it returns is
// a substring of one copy of the payload, and packages share one slab, so
// loading 20,000 packages costs a handful of allocations rather than one per
// field. The first error sticks; later reads return zero values.
type decoder struct {
	b   []byte
	s   string // the same bytes as b
	off int
	err error
}

func (r *decoder) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at byte %d", errPayload, what, r.off)
	}
}

func (r *decoder) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.off += n
	return v
}

func (r *decoder) int() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.off += n
	return v
}

func (r *decoder) uint32() uint32 {
	v := r.uint()
	if v > math.MaxUint32 {
		r.fail("uint32 out of range")
	}
	return uint32(v)
}

// count reads a list length; every item takes at least one byte, so a count
// past the bytes left is damage (and must not become a huge allocation).
func (r *decoder) count() int {
	n := r.uint()
	if n > uint64(len(r.b)-r.off) {
		r.fail("count past the end")
		return 0
	}
	return int(n)
}

func (r *decoder) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	v := r.s[r.off : r.off+n]
	r.off += n
	return v
}

func (r *decoder) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	list := make([]string, n)
	for i := range list {
		list[i] = r.str()
	}
	return list
}

func (r *decoder) float() float64 {
	if r.err != nil || len(r.b)-r.off < 8 {
		r.fail("short float")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
	r.off += 8
	if math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail("not a finite number")
	}
	return v
}

func (r *decoder) bool() bool {
	if r.err != nil || r.off >= len(r.b) || r.b[r.off] > 1 {
		r.fail("bad bool")
		return false
	}
	r.off++
	return r.b[r.off-1] == 1
}

func (r *decoder) time() time.Time {
	sec, ns := r.int(), r.uint()
	if ns >= 1e9 {
		r.fail("bad nanoseconds")
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).UTC()
}

// decodeState decodes a whole payload.
func decodeState(payload []byte) (*State, error) {
	r := &decoder{b: payload, s: string(payload)}
	s := New()
	s.Seq, s.Time = r.uint(), r.time()
	if r.bool() {
		s.Paused = &Pause{Reason: r.str(), Since: r.time(), Signature: r.str()}
	}
	if r.bool() {
		s.Fresh = &FreshRun{Tree: r.str(), Since: r.time()}
	}
	s.Sync = Sync{Time: r.time(), Tree: r.str()}
	s.World, s.freshBinaries = r.uint(), r.uint()
	r.packages(s)
	r.drones(s)
	r.exclusions(s)
	for _, atom := range r.strs() {
		s.promoted[atom] = struct{}{}
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		s.recent.add(r.time())
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		cp := r.str()
		s.durations[cp] = time.Duration(r.int())
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		s.markFailure(FailureMark{Time: r.time(), Drone: r.str(), Atom: r.str(), Signature: r.str()})
	}
	r.builds(s)
	r.retired(s)
	s.lastPromoted = r.uint()
	s.setSettings(r.strs())
	s.rebuildDeps()
	s.rebuildNeeded()
	s.rebuildIndex()
	if r.err == nil && r.off != len(r.b) {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

func (r *decoder) packages(s *State) {
	n := r.count()
	slab := make([]Package, n)
	s.packages = make(map[string]*Package, n)
	for i := range slab {
		p := &slab[i]
		p.Atom, p.State, p.Attempts = r.str(), PackageState(r.str()), r.uint32()
		p.Drone, p.Fence, p.Lease = r.str(), r.uint(), time.Duration(r.int())
		p.ClaimedAt, p.LeaseUntil = r.time(), r.time()
		p.LastFailure, p.LastFailureSeq = r.str(), r.uint()
		p.FailedOn, p.ReturnedBy = r.strs(), r.strs()
		p.EnqueuedSeq, p.BuiltBy, p.BuiltSeq = r.uint(), r.str(), r.uint()
		p.BuildTime, p.Progress, p.ProgressAt = time.Duration(r.int()), r.uint(), r.time()
		p.Requires, p.Use = r.strs(), r.str()
		p.Deps, p.Priority = r.strs(), time.Duration(r.int())
		p.excluded = r.bool()
		p.Held, p.StartFailedOn = r.str(), r.strs()
		p.Stalls = r.uint32()
		if r.err != nil {
			return
		}
		if !p.State.valid() || p.Atom == "" {
			r.fail("bad package " + p.Atom)
			return
		}
		s.packages[p.Atom] = p
		s.counts[p.State.index()]++
	}
	if len(s.packages) != n {
		r.fail("duplicate packages")
	}
}

func (r *decoder) drones(s *State) {
	for n := r.count(); n > 0 && r.err == nil; n-- {
		d := &Drone{ID: r.str(), Health: Health(r.str()), Cores: r.uint32(), MemoryMB: r.uint()}
		d.Capabilities, d.Version, d.Tree = r.strs(), r.str(), r.str()
		d.CPUPercent, d.MemoryPercent, d.DiskPercent, d.Load = r.float(), r.float(), r.float(), r.float()
		d.Tasks, d.LastSeen = r.strs(), r.time()
		d.Grounded, d.GroundedUntil, d.GroundReason = r.bool(), r.time(), r.str()
		for k := r.count(); k > 0 && r.err == nil; k-- {
			d.strike(r.str(), r.str())
		}
		d.LastBuilt, d.Slots = r.time(), r.uint32()
		d.Online, d.Registered = r.bool(), r.time()
		d.StartFailures = r.strs()
		d.Portage, d.Fingerprint = r.strs(), r.str()
		d.SampledAt = r.time()
		d.GroundedSince = r.time()
		if r.err == nil && (d.ID == "" || s.drones[d.ID] != nil) {
			r.fail("bad drone " + d.ID)
		}
		s.drones[d.ID] = d
	}
}

func (r *decoder) exclusions(s *State) {
	for n := r.count(); n > 0 && r.err == nil; n-- {
		s.exclusions = append(s.exclusions, Exclusion{Pattern: r.str(), Drone: r.str(), Reason: r.str(), Seq: r.uint()})
	}
}
