package projections

import (
	"slices"

	"github.com/swarm-build/swarm/events"
)

// The ends of a claim: built, failed, could not start, handed back, or
// taken back.

// SignatureStalled is the signature of a build the orchestrator failed for
// making no progress (no output, no CPU time, no growing build.log) for
// build.stall_after.
const SignatureStalled = "stalled"

func (s *State) completed(e *events.Event) bool {
	p := s.holding(e)
	if p == nil {
		return false
	}
	if d := s.drones[p.Drone]; d != nil {
		d.forgive(func(Strike) bool { return true })
		d.LastBuilt = e.Time
		d.StartFailures = nil // it started a build
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
	if d := s.drones[p.Drone]; d != nil {
		if !e.Final && !systemic {
			d.strike(p.Atom, e.Signature)
		}
		d.StartFailures = nil // it started a build
	}
	if e.Signature == SignatureStalled {
		p.Stalls++
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

// startFailed is a build that could not even start: not an attempt and no
// strike, since nothing was built. The drone and the package each remember
// it, for the decider's judgment of whose problem it is. A Final one holds
// the package blocked with the reason until it is queued again; any other
// sends it back to the queue.
func (s *State) startFailed(e *events.Event) bool {
	p := s.holding(e)
	if p == nil {
		return false
	}
	if d := s.drones[p.Drone]; d != nil {
		d.StartFailures = addDistinct(d.StartFailures, p.Atom)
	}
	p.StartFailedOn = addDistinct(p.StartFailedOn, p.Drone)
	if e.Final {
		p.Held = e.Reason
		if p.Held == "" {
			p.Held = "its build could not start"
		}
	}
	s.requeue(p)
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
