package commands

import "errors"

// Errors callers test for; decisions wrap them with the atom or drone they
// are about.
var (
	// ErrOtherBackend: [log] backend names an empty log while the other
	// backend's holds the farm's events (backend switched by hand, not by
	// swarm log migrate). Opening it would show an empty farm.
	ErrOtherBackend = errors.New("the farm's events are in the other log backend")
	// ErrSameBackend: a log migration to the backend the farm is on
	// already.
	ErrSameBackend = errors.New("the log is on that backend already")
	// ErrBadAtom: a package on the command line is not a valid version as
	// emerge prints it. Nothing was appended.
	ErrBadAtom = errors.New("bad package atom")
	// ErrAlreadyPaused: pause while dispatching is already paused.
	ErrAlreadyPaused = errors.New("the farm is already paused")
	// ErrNotPaused: resume while dispatching is not paused.
	ErrNotPaused = errors.New("the farm is not paused")
	// ErrUnknownPackage: the package is not in the queue.
	ErrUnknownPackage = errors.New("package is not in the queue")
	// ErrNotBuilding: the package is not being built, so it cannot be
	// completed, failed, renewed or returned.
	ErrNotBuilding = errors.New("package is not building")
	// ErrNotNeeded: the package cannot be claimed (it is building, built,
	// failed, excluded or blocked).
	ErrNotNeeded = errors.New("package is not waiting to be built")
	// ErrStaleFence: the claim's fencing token is not the current one: the
	// package was reclaimed meanwhile. The drone must drop the build.
	ErrStaleFence = errors.New("stale fencing token (the package was reclaimed)")
	// ErrUnknownDrone: the drone has never registered, so it may not claim.
	ErrUnknownDrone = errors.New("drone has not registered")
	// ErrNotEligible: the dispatch rules rule the drone or the package out
	// of a claim (the error names the rule).
	ErrNotEligible = errors.New("the dispatch rules rule it out")
	// ErrNoSuchDrone: a drone id neither admitted in config.toml nor ever
	// registered (ground, exclude --drone).
	ErrNoSuchDrone = errors.New("no such drone (not admitted in config.toml, never registered)")
	// ErrAmbiguous: a package name stands for several versions where one
	// is needed (replay --explain).
	ErrAmbiguous = errors.New("names several versions")
	// ErrNotGrounded: unground of a drone that is not grounded.
	ErrNotGrounded = errors.New("drone is not grounded")
	// ErrBadPattern: an exclusion pattern that is not a package glob.
	ErrBadPattern = errors.New("bad package pattern")
	// ErrAlreadyExcluded: the same exclusion is already in force.
	ErrAlreadyExcluded = errors.New("already excluded")
	// ErrNotExcluded: no such exclusion to remove.
	ErrNotExcluded = errors.New("no such exclusion")
	// ErrBuildIDTaken: a promotion's BUILD_ID is not the next one of its
	// CPV (another promotion of it came first); allocate again.
	ErrBuildIDTaken = errors.New("BUILD_ID already given")
	// ErrConflictRetries: the log kept moving under Execute; give up.
	ErrConflictRetries = errors.New("the log kept moving; gave up deciding")
	// ErrDeciderPanic: a decider panicked; only its own caller is told.
	ErrDeciderPanic = errors.New("decider panicked")
)
