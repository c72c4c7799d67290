// Package jetstream holds swarm's event log in a NATS JetStream stream
// (eventlog.Log over github.com/nats-io/nats-server/v2, embedded in the
// swarm binary).
//
// One farm is one stream, "SWARM_<farm>", with one subject,
// "swarm.<farm>.events". One event is one message: its body is the event's
// canonical record (events.AppendRecord), its header Swarm-Chain the hash
// chain's value after it (hex), so the stream sequence IS the event's
// sequence number (and a claim's fencing token), and Verify proves the
// stream the way events.Log.Verify proves the files.
//
// The stream is created with sync_interval always (the server's
// SyncAlways: every write is fsynced before it is acknowledged; JetStream's
// default, two minutes, loses acknowledged writes when the host dies), no
// limits, and deletes and purges denied: a log is never cut.
//
// AppendIf publishes with Nats-Expected-Last-Sequence; JetStream's error
// 10071 (wrong last sequence) is events.ErrConflict. An append of several
// events is one atomic batch (Nats-Batch-Id, all or nothing).
//
// Open runs the server in-process with no network listener (a single node,
// and the tests); the client connects to it in-process.
//
// # A cluster
//
// With Options.Replicas 3 (and Name, ClusterListen, Routes), Open makes
// this process one member of a cluster named swarm-FARM: its server dials
// the other members' routes over TCP (and, since nats-server starts
// routing only once it accepts clients, listens for clients on a random
// loopback port with a token only this process knows), JetStream runs
// clustered, and whichever member gets there first creates the stream
// with three replicas (the others find it). Open waits, bounded by its
// context or formTimeout, until the stream has a leader; otherwise it
// fails with ErrNoQuorum saying how many members it reached ("2 of 3
// members reachable (a, b)": creating the stream needs all three, opening
// it again a majority).
//
// Any member may append: its server forwards the message to the stream's
// leader (JetStream's Raft leader), which orders it with the expected last
// sequence and acknowledges it once a majority has it. So the stream
// sequence stays the fencing token, in a cluster too. Only the
// orchestrator on the leading member should dispatch: Leader says whether
// this member leads (and which does), Changed when that changes, Cluster
// what the leader knows of every replica (current, lag, last heard).
//
// While the leader is dead and no other is elected (seconds: Raft's
// election timeout is 4-9 s), requests wait for one, for as long as the
// caller's context allows or quorumWait; then ErrNoQuorum. An append that
// failed so was not acknowledged but may still be committed later (a lone
// leader had written it to its Raft log, and a new term may commit it):
// if it is, it is whole and at the seqs it expected, so a caller that
// decides again reads the log first, which AppendIf at the old tail forces
// (ErrConflict). An append whose answer was lost (the attempt timed out)
// and whose retry then conflicts is recognised by the chain value at its
// first seq: its own is success, not a conflict.
//
// Each member keeps its witness (what its process saw the log hold),
// checked at Open against the cluster's log: it catches the cluster losing
// acknowledged events, not one member's replica doing so, which the
// others still hold. JetStream cuts a damaged message out of a replica
// when a read meets it and does not fetch it back; reads through a member
// then fail on the gap (ErrCorrupt), never serve a shorter log. The remedy
// is to move that member's folder aside: it starts empty and copies the
// log from the others. With replicas the server relaxes SyncAlways for the stream's
// message files to a sync at each of its snapshots, relying on its Raft
// log, which SyncAlways syncs at every write; the crash tests (kill -9 of
// the leader, of all three members at once) are the gate, and no test here
// cuts the power.
//
// # The store folder
//
// The server keeps its files under DIR/jetstream. Beside them swarm keeps
// swarm.lock (one server per folder: a second Open is ErrInUse) and
// swarm-FARM.tail, the witness: the last seq and chain value this process
// saw (at Open, at Close, and every WitnessEvery appended events). JetStream
// repairs a damaged block by cutting the stream at the damage with only a
// warning in its log, and the shorter stream verifies; Open refuses a stream
// that ends before its witness (ErrCorrupt), and Verify fails when the
// server warned of corruption. A kill -9 keeps every acknowledged append
// (the crash case of eventlog/logtest); SyncAlways is what keeps them across
// a power cut, which no test here can cause.
//
// # Other processes
//
// With Options.Listen (and a Token) the embedded server also takes NATS
// clients on a TCP address; ClientURL says where. Connect opens the stream
// through such a server (it does not reconnect: when that process goes, the
// caller opens the folder itself). commands.OpenLog uses this so that the
// CLI works beside a running swarm serve.
package jetstream
