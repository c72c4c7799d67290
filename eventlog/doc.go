// Package eventlog is the one interface every event log backend implements:
// the file log in .swarm/events (package events, the default, the embedded
// choice for one machine) and NATS JetStream (package eventlog/jetstream,
// for a farm whose log must outlive one host).
//
// What a backend promises, and what the conformance suite (eventlog/logtest)
// checks on each of them:
//
//   - AppendIf(expect, evs...) appends all of evs or none, only if the log's
//     last sequence number is still expect (else an error wrapping
//     events.ErrConflict, and nothing is written), and returns once they are
//     durable. The sequence number an event gets is its position in the log
//     and the fencing token a claim hands out: dense, from 1, never reused.
//   - Events(from) reads what is in the log now from a position; Follow
//     goes on yielding what is appended after that until its context ends.
//   - The log stores each event's canonical record (events.AppendRecord) and
//     the hash chain over them (events.ChainNext), so Verify proves the log
//     the same way whichever backend holds it, and ChainAfter ties a
//     snapshot to it.
//
// Events, the chain and the projections do not change with the backend:
// Copy moves a log from one backend to another and proves it by comparing
// the chain heads.
//
// # Not yet wired
//
// commands.Store still holds an *events.Log. To run a farm on JetStream it
// takes an eventlog.Log instead (what it calls — AppendIf, Events through
// projections.Replay, ChainAfter — is all here), asks for the file log's
// extras (Broken, Recover, TornTail) by type assertion, and a [log] backend
// key chooses the backend when the store is opened. Store.Log's callers in
// cmd/swarm (log, verify, replay) then read through the interface.
package eventlog
