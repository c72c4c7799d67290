package schedule

import "time"

// Bounds are two facts no schedule of the jobs on the fleet can beat.
type Bounds struct {
	// CriticalPath is the longest dependency chain built entirely on the
	// fastest drone.
	CriticalPath time.Duration
	// Work is the total core-time (Work × RefCores summed over jobs) over
	// the fleet's total cores: the makespan if every core were busy from
	// start to end.
	Work time.Duration
}

// Max is the lower bound the issue measures against: max(critical path,
// total work / total cores).
func (b Bounds) Max() time.Duration { return max(b.CriticalPath, b.Work) }

// LowerBound computes the Bounds of the jobs on the fleet. It fails with
// ErrBadJob, ErrCycle or ErrBadFleet.
func LowerBound(jobs []Job, fleet []Drone) (Bounds, error) {
	if err := validateFleet(fleet); err != nil {
		return Bounds{}, err
	}
	fastest, cores := fleet[0], 0
	for _, d := range fleet {
		cores += d.Cores
		if d.Cores > fastest.Cores {
			fastest = d
		}
	}
	cp, err := CriticalPath(jobs, fastest)
	if err != nil {
		return Bounds{}, err
	}
	var coreTime time.Duration
	for _, j := range jobs {
		coreTime += j.Work * RefCores
	}
	perCore := (coreTime + time.Duration(cores) - 1) / time.Duration(cores) // rounded up: still a bound
	return Bounds{CriticalPath: cp, Work: perCore}, nil
}
