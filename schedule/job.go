package schedule

import (
	"fmt"
	"time"
)

// RefCores is the core count of the reference machine on which a Job's Work
// is measured. Build durations come from an emerge.log of one machine whose
// core count the log does not say; 8 is a common desktop's. The choice
// scales every simulated time by the same factor, so it changes no ratio
// (makespan to lower bound, critical path to FIFO) and no decision.
const RefCores = 8

// Job is one package to build.
type Job struct {
	ID   string        // the package, as the caller names it (an atom)
	Work time.Duration // expected build time on a RefCores-core machine
	Deps []int         // indexes, in the same job list, of the jobs that must be built first
}

// Drone is one build machine of a fleet. It builds one job at a time with
// all its cores.
type Drone struct {
	ID    string
	Cores int
}

// Time is how long the drone takes to build work: work × RefCores / Cores,
// rounded up to the nanosecond so a build never uses less core-time than
// its work (which keeps LowerBound a bound).
//
// The speed model is linear in cores on purpose. Under it a build uses the
// same core-time (Work × RefCores) wherever it runs, so total core-time over
// the fleet's total cores is a true lower bound on the makespan, and the
// longest dependency chain built on the fastest drone is another; the
// larger of the two is the bound the issue measures against, and it is
// tight: a schedule that reaches it exists whenever the work divides well.
// Real builds scale worse than linearly (configure and link steps are
// serial), which makes big drones relatively more valuable for long
// builds — the policy already sends those there — but a sub-linear model
// would turn the bound into a loose one that no longer tells a good
// schedule from a bad one.
func (d Drone) Time(work time.Duration) time.Duration {
	c := time.Duration(d.Cores)
	return (work*RefCores + c - 1) / c
}

// validate checks the jobs' own fields and dependency indexes (not cycles).
func validate(jobs []Job) error {
	for i, j := range jobs {
		if j.Work < 0 {
			return fmt.Errorf("%w: %s has negative work %v", ErrBadJob, name(jobs, i), j.Work)
		}
		for _, d := range j.Deps {
			if d < 0 || d >= len(jobs) || d == i {
				return fmt.Errorf("%w: %s depends on job %d (there are %d jobs)", ErrBadJob, name(jobs, i), d, len(jobs))
			}
		}
	}
	return nil
}

// validateFleet checks that there is a drone and every drone has cores.
func validateFleet(fleet []Drone) error {
	if len(fleet) == 0 {
		return fmt.Errorf("%w: no drones", ErrBadFleet)
	}
	for i, d := range fleet {
		if d.Cores < 1 {
			return fmt.Errorf("%w: drone %d (%q) has %d cores", ErrBadFleet, i, d.ID, d.Cores)
		}
	}
	return nil
}

// name is how errors name job i: its ID, or its index when it has none.
func name(jobs []Job, i int) string {
	if jobs[i].ID != "" {
		return fmt.Sprintf("job %q", jobs[i].ID)
	}
	return fmt.Sprintf("job %d", i)
}
