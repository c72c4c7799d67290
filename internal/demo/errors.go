package demo

import "errors"

// Errors the package returns; match them with errors.Is.
var (
	// ErrBadPlan: the package count or speedup asked for is out of range.
	ErrBadPlan = errors.New("demo: bad plan")

	// ErrBuildFailed: a simulated build failed on purpose (its first
	// attempt), so the farm shows a retry.
	ErrBuildFailed = errors.New("demo: simulated build failure")

	// ErrStart: the orchestrator or a drone did not start.
	ErrStart = errors.New("demo: the farm did not start")

	// ErrNotDrained: the queue was not empty by the deadline (or a process
	// of the farm died first).
	ErrNotDrained = errors.New("demo: the farm did not drain")
)
