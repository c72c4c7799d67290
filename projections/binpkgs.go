package projections

import (
	"maps"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
)

// Build is one promoted binary package: a file in the binhost's packages
// folder and its entry in the Packages index.
type Build struct {
	Atom    string    `json:"atom"`     // the queue's package it was built for
	CPV     string    `json:"cpv"`      // CATEGORY/PF
	BuildID uint64    `json:"build_id"` // the farm's BUILD_ID, one counter per CPV
	Path    string    `json:"path"`     // relative to the packages folder
	SHA256  string    `json:"sha256"`   // of the signed file
	Size    uint64    `json:"size"`     // of the signed file
	Entry   string    `json:"entry"`    // its Packages block, "KEY: value" lines
	Seq     uint64    `json:"seq"`      // the promoted event
	Time    time.Time `json:"time"`
	// Pruned is the seq of the pruned event that took the build out of
	// the index (0: it is listed). Its file is deleted once an index
	// without it is live; the build stays here so its BUILD_ID is never
	// given again.
	Pruned uint64 `json:"pruned,omitempty"`
}

// promoteBuild records a promoted event's build. A build that does not
// name its BUILD_ID and path, or whose BUILD_ID is not past every
// earlier one of its CPV, does not fit (the decider never appends one).
func (s *State) promoteBuild(e *events.Event) bool {
	if e.CPV == "" || e.BuildID == 0 || e.Path == "" {
		return false
	}
	if e.BuildID < s.NextBuildID(e.CPV) {
		return false
	}
	b := Build{Atom: e.Atom, CPV: e.CPV, BuildID: e.BuildID, Path: e.Path,
		SHA256: e.FileSHA256, Size: e.Size, Entry: e.Entry, Seq: e.Seq, Time: e.Time}
	s.builds[e.CPV] = append(s.builds[e.CPV], b)
	s.index.countBuild(b, 1)
	s.lastPromoted = e.Seq
	return true
}

// pruneBuild takes a build out of the index: e names it by CPV and
// BUILD_ID. A build that is unknown or already pruned does not fit. An
// atom left with no listed build of its CPV no longer counts as binary.
func (s *State) pruneBuild(e *events.Event) bool {
	bs := s.builds[e.CPV]
	i := slices.IndexFunc(bs, func(b Build) bool { return b.BuildID == e.BuildID })
	if i < 0 || bs[i].Pruned != 0 {
		return false
	}
	atom := bs[i].Atom
	s.index.countBuild(bs[i], -1)
	bs[i] = bs[i].retired(e.Seq)
	s.index.countBuild(bs[i], 1)
	s.lastPromoted = e.Seq
	if !slices.ContainsFunc(bs, func(b Build) bool { return b.Pruned == 0 }) {
		delete(s.promoted, atom)
	}
	s.pruned(e.CPV, e.BuildID)
	s.binaryChanged(atom, e.CPV)
	return true
}

// retired is what the farm keeps of a build pruned at seq: its BUILD_ID
// (never given again), its file's path and size (deleted once an index
// without it is live; counted in BinhostUsage) and when it was promoted and
// pruned. Its Packages entry, checksum, atom and time go: only the index
// read them, and a farm prunes a build for every one it promotes, so they
// made the snapshot grow with every package the farm ever built.
func (b Build) retired(seq uint64) Build {
	return Build{CPV: b.CPV, BuildID: b.BuildID, Path: b.Path, Size: b.Size, Seq: b.Seq, Pruned: seq}
}

// NextBuildID is the BUILD_ID the farm gives the next build of cpv: one
// past the highest it has promoted, 1 for the first. Builders number from
// their own empty PKGDIR, so the number must come from here.
func (s *State) NextBuildID(cpv string) uint64 {
	next := s.retired.maxID[cpv] + 1
	if bs := s.builds[cpv]; len(bs) > 0 {
		next = max(next, bs[len(bs)-1].BuildID+1)
	}
	return next
}

// Builds returns every promoted build not pruned, by CPV then BUILD_ID:
// what the Packages index lists.
func (s *State) Builds() []Build {
	return s.buildsWhere(func(b Build) bool { return b.Pruned == 0 })
}

// PrunedBuilds returns the builds taken out of the index, by CPV then
// BUILD_ID: their files are deleted once an index without them is live.
// Only what that needs is kept of them (Build.retired), and only of the
// last maxPrunedKept (retired.go).
func (s *State) PrunedBuilds() []Build {
	return s.buildsWhere(func(b Build) bool { return b.Pruned != 0 })
}

func (s *State) buildsWhere(keep func(Build) bool) []Build {
	var out []Build
	for _, cpv := range slices.Sorted(maps.Keys(s.builds)) {
		for _, b := range s.builds[cpv] {
			if keep(b) {
				out = append(out, b)
			}
		}
	}
	return out
}

// BinhostUsage counts the binhost's builds: listed in the index (and
// their bytes) and pruned from it, for status.
type BinhostUsage struct {
	Builds      int    `json:"builds"`
	Bytes       uint64 `json:"bytes"`
	Pruned      int    `json:"pruned"`
	PrunedBytes uint64 `json:"pruned_bytes"`
}

// BinhostUsage returns what the binhost holds and has pruned: the
// counters the State keeps of the builds it holds (index.go), and of those
// it forgot.
func (s *State) BinhostUsage() BinhostUsage {
	u := s.index.builds
	u.Pruned += s.retired.count
	u.PrunedBytes += s.retired.bytes
	return u
}

// LastPromoted is the seq of the last promotion or pruning (0: none):
// the index is current when it was written from a State at or past it.
func (s *State) LastPromoted() uint64 { return s.lastPromoted }

// hasBuild reports whether a package of the queue (atom) has a promoted
// build: its atom was promoted, or a build of its CPV was (the queue's atom
// may carry "=", a slot or a repository).
func (s *State) hasBuild(atom string) bool {
	if len(s.builds) == 0 && len(s.promoted) == 0 {
		return false
	}
	if _, ok := s.promoted[atom]; ok {
		return true
	}
	return slices.ContainsFunc(s.builds[buildKey(atom)], func(b Build) bool { return b.Pruned == 0 })
}

func cloneBuilds(m map[string][]Build) map[string][]Build {
	c := make(map[string][]Build, len(m))
	for k, v := range m {
		c[k] = slices.Clone(v)
	}
	return c
}

func (w *encoder) builds(m map[string][]Build) {
	w.uint(uint64(len(m)))
	for _, cpv := range slices.Sorted(maps.Keys(m)) {
		w.str(cpv)
		w.uint(uint64(len(m[cpv])))
		for _, b := range m[cpv] {
			w.str(b.Atom)
			w.uint(b.BuildID)
			w.str(b.Path)
			w.str(b.SHA256)
			w.uint(b.Size)
			w.str(b.Entry)
			w.uint(b.Seq)
			w.time(b.Time)
			w.uint(b.Pruned)
		}
	}
}

func (r *decoder) builds(s *State) {
	for n := r.count(); n > 0 && r.err == nil; n-- {
		cpv := r.str()
		for k := r.count(); k > 0 && r.err == nil; k-- {
			b := Build{CPV: cpv, Atom: r.str(), BuildID: r.uint(), Path: r.str(), SHA256: r.str(),
				Size: r.uint(), Entry: r.str(), Seq: r.uint(), Time: r.time(), Pruned: r.uint()}
			s.builds[cpv] = append(s.builds[cpv], b)
		}
	}
}

// HasBinary reports whether a package of the queue has a promoted build
// in the index: what a client asking for it would find on the binhost.
func (s *State) HasBinary(atom string) bool { return s.hasBuild(atom) }
