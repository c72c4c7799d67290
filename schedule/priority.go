package schedule

import (
	"fmt"
	"strings"
	"time"
)

// Priorities returns every job's bottom level: its own Work plus the longest
// chain of Work among the jobs that wait for it, directly or not. It is the
// least time, on a RefCores machine, from the job's start to the end of the
// build, however many drones there are; the job with the largest one is the
// most urgent, because every moment it waits may lengthen the whole build.
//
// Under the linear speed model (see Drone.Time) a drone with c cores
// divides every job's time by the same c/RefCores, so the order these
// priorities give is the same on every fleet.
//
// It fails with ErrBadJob or ErrCycle.
func Priorities(jobs []Job) ([]time.Duration, error) {
	topo, dependents, err := order(jobs)
	if err != nil {
		return nil, err
	}
	return bottomLevels(jobs, topo, dependents, func(w time.Duration) time.Duration { return w }), nil
}

// CriticalPath is the longest dependency chain built on drone d: the sum of
// d.Time over the chain with the most. No schedule finishes sooner than it
// on a fleet whose fastest drone is d.
func CriticalPath(jobs []Job, d Drone) (time.Duration, error) {
	if err := validateFleet([]Drone{d}); err != nil {
		return 0, err
	}
	topo, dependents, err := order(jobs)
	if err != nil {
		return 0, err
	}
	var longest time.Duration
	for _, b := range bottomLevels(jobs, topo, dependents, d.Time) {
		longest = max(longest, b)
	}
	return longest, nil
}

// bottomLevels computes the bottom levels with each job's time given by t,
// walking a topological order backwards so every dependent is done first.
func bottomLevels(jobs []Job, topo []int, dependents [][]int32, t func(time.Duration) time.Duration) []time.Duration {
	bl := make([]time.Duration, len(jobs))
	for k := len(topo) - 1; k >= 0; k-- {
		i := topo[k]
		var after time.Duration
		for _, d := range dependents[i] {
			after = max(after, bl[d])
		}
		bl[i] = t(jobs[i].Work) + after
	}
	return bl
}

// order validates the jobs and returns a topological order (every job
// after its dependencies; among ready jobs, lowest index first) and, for
// every job, the jobs that depend on it. A duplicated dependency counts
// once per listing on both sides, which keeps the counts consistent.
func order(jobs []Job) (topo []int, dependents [][]int32, err error) {
	if err := validate(jobs); err != nil {
		return nil, nil, err
	}
	dependents = make([][]int32, len(jobs))
	waiting := make([]int, len(jobs))
	for i, j := range jobs {
		waiting[i] = len(j.Deps)
		for _, d := range j.Deps {
			dependents[d] = append(dependents[d], int32(i))
		}
	}
	topo = make([]int, 0, len(jobs))
	for i := range jobs {
		if waiting[i] == 0 {
			topo = append(topo, i)
		}
	}
	for k := 0; k < len(topo); k++ {
		for _, d := range dependents[topo[k]] {
			if waiting[d]--; waiting[d] == 0 {
				topo = append(topo, int(d))
			}
		}
	}
	if len(topo) < len(jobs) {
		return nil, nil, cycleError(jobs, waiting)
	}
	return topo, dependents, nil
}

// cycleError names one cycle among the jobs Kahn's walk could not order
// (waiting > 0): following unfinished dependencies from any of them must
// come back to a job already seen.
func cycleError(jobs []Job, waiting []int) error {
	start := -1
	for i, w := range waiting {
		if w > 0 {
			start = i
			break
		}
	}
	seen := map[int]int{} // job → position in path
	var path []int
	for i := start; ; {
		if at, ok := seen[i]; ok {
			path = append(path[at:], i)
			break
		}
		seen[i] = len(path)
		path = append(path, i)
		for _, d := range jobs[i].Deps {
			if waiting[d] > 0 {
				i = d
				break
			}
		}
	}
	names := make([]string, len(path))
	for k, i := range path {
		names[k] = name(jobs, i)
	}
	return fmt.Errorf("%w: %s", ErrCycle, strings.Join(names, " needs "))
}
