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
