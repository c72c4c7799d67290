package schedule

import "errors"

// Errors callers test for with errors.Is; each is wrapped with the job or
// drone it is about.
var (
	// ErrBadJob: a job has negative work or names a dependency that is not
	// a job of the same list (or itself).
	ErrBadJob = errors.New("bad job")

	// ErrCycle: the jobs' dependencies form a cycle, so no order builds
	// them all. The message names one job on the cycle.
	ErrCycle = errors.New("dependency cycle")

	// ErrBadFleet: no drones, or a drone without a positive core count.
	ErrBadFleet = errors.New("bad fleet")

	// ErrState: a Plan transition that does not apply to the job's state,
	// such as finishing a job that was never started.
	ErrState = errors.New("job is not in a state that allows this")
)
