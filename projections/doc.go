// Package projections holds swarm's read models: the queue, the drones and the
// farm-wide facts, each a pure fold of the event log.
//
// The log in package events is the only truth. Everything an operator sees
// (`swarm status`, `queue`, `drones`, `replay`) and everything the deciders
// in package commands decide against is a State rebuilt by applying events
// one by one. That is why this package never reads the clock, the network or
// the disk while folding, and never draws a random number: "now" is the time
// of the last applied event, so replaying the same events always yields the
// same State, and `swarm replay --until` can show the farm as it stood at any
// point of an incident.
//
// # Totality
//
// Apply accepts every event. One that does not fit the current state (a claim
// of an unknown atom, a completion with a stale fence, a lease renewal for a
// package nobody is building) changes nothing but Seq and Time. The deciders
// reject such events before they are written; the projection is defensive so
// that a bug there, or a log written by an older binary, can never leave a
// package half-moved. Each handler checks everything first and mutates after.
//
// # Cost
//
// Apply runs a million times in a replay, so the common path (claims,
// renewals, completions, failures on known packages) does not allocate:
// packages and drones live in maps keyed by the event's atom and drone
// strings (which the events decoder interns), per-state counts are kept
// incrementally, and read views sort only when asked.
//
// # Snapshots
//
// A snapshot (snapshot.go) is a checkpoint of a State at a sequence number,
// tied to the log by the log's chain hash at that point. Snapshots are derived
// data: LoadLatest skips any that is stale, damaged or of an unknown version,
// and falls back to an empty State, so deleting `.swarm/snapshots/` loses
// nothing but the time to replay.
package projections
