// Package commands is swarm's write model: every change to the farm is a
// command decided against the current state, and a decision is a list of
// events to append. Every farm rule lives here, as plain functions over a
// projections.State, so a test reaches them without a network or a disk.
//
// A Decider looks at a State and returns the events that the command means,
// or an error saying why it cannot be done. A decision that does not fit is
// rejected here, so projections never see an event that does not apply.
// Store.Execute runs a Decider against the latest State and appends its
// events on the condition that the log has not moved since (AppendIf); if
// another writer got there first, it catches up and decides again. That is
// how a CLI call and a running orchestrator can both write to one .swarm/.
// The log is an eventlog.Log on the backend [log] backend names (OpenLog,
// logbackend.go: the file log, or JetStream, whose server swarm serve runs
// and the CLI beside it reaches as a client); MigrateLog moves a farm's log
// from one to the other.
//
// The log records decisions, not liveness: Heartbeat keeps what a beat says
// (the drone lives, its builds are still its own, their progress) in a
// Liveness the orchestrator holds in memory, and Maintain judges offline
// drones, lapsed leases and stalls from it and the log together. What it
// decides is an event with its reason, so a replay needs no heartbeats.
//
// Execute group-commits at the level of decisions (commit.go): the commands
// that queue while one batch is decided form the next, decided in order,
// each against the State with the events of the ones before it folded in,
// and appended with one write and one fsync. Each caller is answered once
// its batch is durable; a decider's error answers only its own caller.
// Under load (a batch of 8 or more before it) the next batch's leader
// waits 100 µs for more commands to join, since each batch costs an fsync
// whatever it holds. A long-running writer (the orchestrator) also moves
// snapshot writing to a goroutine of its own (StartSnapshots), so no
// command waits on one.
package commands
