package projections

import (
	"slices"

	"github.com/swarm-build/swarm/events"
)

// The ends of a claim: built, failed, handed back, or taken back.

func (s *State) completed(e *events.Event) bool {
	p := s.holding(e)
	if p == nil {
		return false
	}
	if d := s.drones[p.Drone]; d != nil {
		d.forgive(func(Strike) bool { return true })
		d.LastBuilt = e.Time
	}
	p.BuiltBy, p.BuiltSeq = p.Drone, e.Seq
	p.BuildTime = max(e.Time.Sub(p.ClaimedAt), 0)
	s.durations[CP(p.Atom)] = p.BuildTime
	s.release(p)
	s.setState(p, Built)
	s.recent.add(e.Time)
	return true
}

// failed counts an attempt against the package and, through its streak,
// the drone. A Final failure (the decider found it failed on enough drones)
// makes it failed, and is a package failure: it is struck from every
// drone's streak. A failure whose signature the farm is paused for is
// systemic and counts against no drone. Any other failure sends the package
// back to the queue for another drone.
func (s *State) failed(e *events.Event) bool {
	p := s.holding(e)
	if p == nil {
		return false
	}
	systemic := s.Paused != nil && s.Paused.Signature != "" && s.Paused.Signature == e.Signature
	if d := s.drones[p.Drone]; d != nil && !e.Final && !systemic {
		d.strike(p.Atom, e.Signature)
	}
	if e.Final {
		for _, d := range s.drones {
			d.forgive(func(k Strike) bool { return k.Atom == p.Atom })
		}
	}
	if e.Signature != "" {
		s.markFailure(FailureMark{Time: e.Time, Drone: p.Drone, Atom: p.Atom, Signature: e.Signature})
	}
	p.Attempts++
	p.LastFailure, p.LastFailureSeq = e.Signature, e.Seq
	if p.LastFailure == "" {
		p.LastFailure = e.Reason
	}
	p.FailedOn = addDistinct(p.FailedOn, p.Drone)
	if e.Final {
		s.release(p)
		s.setState(p, Failed)
	} else {
		s.requeue(p)
	}
	return true
}

// returned matches the claim by fence, or, when the event carries no fence,
// by the claimant's id (a drone giving back everything it holds).
func (s *State) returned(e *events.Event) bool {
	p := s.packages[e.Atom]
	if p == nil || p.State != Building {
		return false
	}
	byFence := e.Fence != 0 && e.Fence == p.Fence && (e.Drone == "" || e.Drone == p.Drone)
	byDrone := e.Fence == 0 && droneID(e) == p.Drone
	if !byFence && !byDrone {
		return false
	}
	p.ReturnedBy = addDistinct(p.ReturnedBy, p.Drone)
	s.requeue(p)
	return true
}

// reclaimed is the orchestrator taking a package back (lease expired, drone
// offline). A fence or drone, when given, must be the current claim's.
func (s *State) reclaimed(e *events.Event) bool {
	p := s.packages[e.Atom]
	if p == nil || p.State != Building {
		return false
	}
	if (e.Fence != 0 && e.Fence != p.Fence) || (e.Drone != "" && e.Drone != p.Drone) {
		return false
	}
	s.requeue(p)
	return true
}

func addDistinct(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}
