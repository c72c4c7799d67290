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
// # Wiring
//
// commands.Store holds a Log; commands.OpenLog opens the one [log] backend
// names (config.toml). What only some backends can do is an optional
// interface found by type assertion (extras.go): the file log's Prepare
// (pre-encoding outside the writer's lock), Broken and Recover (a sticky
// write failure), TornTail, Size and Records; Records falls back to
// re-encoding the events, which is the same record and chain. The server's
// event stream follows the file log with its cheap Tail and any other
// backend with Follow.
//
// A JetStream log's store folder belongs to one process. swarm serve runs
// the server and also takes NATS clients on a loopback port (or [log.jetstream]
// listen) with a fresh token, both recorded 0600 in
// .swarm/jetstream/client.json; a CLI verb that finds the folder held
// connects there, and one that finds it free runs the server itself for
// the length of the call.
package eventlog
