// Package monitor is `swarm monitor`'s live terminal view: a bubbletea
// model that folds the orchestrator's events, one at a time as the event
// stream delivers them, into the same projections.State every other view
// reads, and draws from it a header (queue, binary share, rate, ETA) and
// one row per drone.
//
// The model judges nothing itself: a drone's status is
// projections.Drone.StatusAt, the rate commands.RatePerHour, the ETA
// commands.EstimateETA, the failed packages commands.FailedPackages, a
// failure's error context portage.ErrorContext (the orchestrator's, of the
// build log it keeps, once it answers). It reads no clock either:
// the time comes in with TickMsg, so a test drives it event by event.
//
// The cobra command (cmd/swarm/monitor.go) only finds the orchestrator,
// follows its stream and sends each event to the program as an EventMsg.
package monitor
