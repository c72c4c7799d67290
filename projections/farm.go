package projections

import (
	"time"

	"github.com/swarm-build/swarm/events"
)

// applyFarm handles the farm-wide events. Uploads, rejections and deploys
// fit and change nothing here (they are the story of `swarm log`); a type
// this binary does not know does not fit.
func (s *State) applyFarm(e *events.Event) bool {
	switch e.Type {
	case events.TypeQueuePaused:
		if s.Paused != nil {
			return false // keep the first reason and its time
		}
		s.Paused = &Pause{Reason: e.Reason, Since: e.Time, Signature: e.Signature}
		if e.Signature != "" { // systemic: those failures were nobody's fault
			for _, d := range s.drones {
				d.forgive(func(k Strike) bool { return k.Signature == e.Signature })
			}
		}
	case events.TypeQueueResumed:
		if s.Paused == nil {
			return false
		}
		s.Paused = nil
		// A new window: the failures the farm was paused for (and any
		// before) no longer count toward a systemic failure.
		s.failures = s.failures[:0]
	case events.TypeFreshStarted:
		s.Fresh = &FreshRun{Tree: e.Tree, Since: e.Time}
	case events.TypeFreshCompleted:
		s.Fresh = nil
		s.Sync = Sync{Time: e.Time, Tree: e.Tree}
		s.failures = s.failures[:0] // failures on the old queue count no more
		s.World, s.freshBinaries = e.Count, e.Size
	case events.TypePromoted:
		return s.promote(e)
	case events.TypePruned:
		return s.pruneBuild(e)
	case events.TypeExcluded:
		return s.exclude(e)
	case events.TypeIncluded:
		return s.include(e)
	case events.TypeDurationLearned:
		if e.Atom == "" {
			return false
		}
		s.durations[e.Atom] = time.Duration(e.Count) * time.Millisecond
	case events.TypeBinpkgUploaded, events.TypeRejected, events.TypeDeployed,
		events.TypeDeployStarted, events.TypeDeployFailed, events.TypeRolledBack,
		events.TypeDroneRestarted, events.TypeHostRebooted:
	default:
		return false
	}
	return true
}

// promote counts a binary package once per atom, however often it is
// rebuilt and promoted again.
func (s *State) promote(e *events.Event) bool {
	if e.Atom == "" {
		return false
	}
	// A promotion names its build (CPV, BUILD_ID, path); one without (a log
	// older than the binhost) still counts the atom.
	if e.CPV != "" && !s.promoteBuild(e) {
		return false
	}
	s.promoted[e.Atom] = struct{}{}
	s.binaryChanged(e.Atom, e.CPV)
	return true
}

// window holds the completion times of the last hour, oldest first, as a
// slice used as a queue: add appends, trim advances head and compacts once
// half the slice is dead, so a steady rate reuses one backing array.
type window struct {
	times []time.Time
	head  int
}

func (w *window) add(t time.Time) { w.times = append(w.times, t) }

// trim drops the times at or before cutoff.
func (w *window) trim(cutoff time.Time) {
	for w.head < len(w.times) && !w.times[w.head].After(cutoff) {
		w.head++
	}
	if w.head > 0 && w.head*2 >= len(w.times) {
		n := copy(w.times, w.times[w.head:])
		w.times, w.head = w.times[:n], 0
	}
}

// live returns the times in the window, oldest first.
func (w *window) live() []time.Time { return w.times[w.head:] }

func (w *window) clone() window {
	return window{times: append([]time.Time(nil), w.live()...)}
}
