package projections

import (
	"maps"
	"slices"
	"strings"
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
	s.builds[e.CPV] = append(s.builds[e.CPV], Build{Atom: e.Atom, CPV: e.CPV, BuildID: e.BuildID, Path: e.Path,
		SHA256: e.FileSHA256, Size: e.Size, Entry: e.Entry, Seq: e.Seq, Time: e.Time})
	s.lastPromoted = e.Seq
	return true
}

// NextBuildID is the BUILD_ID the farm gives the next build of cpv: one
// past the highest it has promoted, 1 for the first. Builders number from
// their own empty PKGDIR, so the number must come from here.
func (s *State) NextBuildID(cpv string) uint64 {
	bs := s.builds[cpv]
	if len(bs) == 0 {
		return 1
	}
	return bs[len(bs)-1].BuildID + 1
}

// Builds returns every promoted build, by CPV then BUILD_ID: what the
// Packages index lists.
func (s *State) Builds() []Build {
	var out []Build
	for _, cpv := range slices.Sorted(maps.Keys(s.builds)) {
		out = append(out, s.builds[cpv]...)
	}
	return out
}

// LastPromoted is the seq of the last promotion (0: none): the index
// is current when it was written from a State at or past it.
func (s *State) LastPromoted() uint64 { return s.lastPromoted }

// hasBuild reports whether a package of the queue (atom) has a promoted
// build: its atom was promoted, or a build of its CPV was (the queue's atom
// may carry "=", a slot or a repository).
func (s *State) hasBuild(atom string) bool {
	if _, ok := s.promoted[atom]; ok {
		return true
	}
	cpv := strings.TrimPrefix(atom, "=")
	if i := strings.IndexAny(cpv, ":"); i >= 0 {
		cpv = cpv[:i]
	}
	return len(s.builds[cpv]) > 0
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
		}
	}
}

func (r *decoder) builds(s *State) {
	for n := r.count(); n > 0 && r.err == nil; n-- {
		cpv := r.str()
		for k := r.count(); k > 0 && r.err == nil; k-- {
			b := Build{CPV: cpv, Atom: r.str(), BuildID: r.uint(), Path: r.str(), SHA256: r.str(),
				Size: r.uint(), Entry: r.str(), Seq: r.uint(), Time: r.time()}
			s.builds[cpv] = append(s.builds[cpv], b)
		}
	}
}

// HasBinary reports whether a package of the queue has a promoted build
// in the index: what a client asking for it would find on the binhost.
func (s *State) HasBinary(atom string) bool { return s.hasBuild(atom) }

// binary is the binary availability of the current plan: the packages in
// the queue (whatever their state: one not built, failed or excluded is
// missing for a client all the same) plus those the last fresh found
// already binary, and how many of them have a promoted build in the index.
func (s *State) binary() Binary {
	b := Binary{Available: s.freshBinaries, Total: s.freshBinaries}
	for atom := range s.packages {
		b.Total++
		if s.hasBuild(atom) {
			b.Available++
		}
	}
	return b
}
