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
package jetstream
