// Package remotes holds the hosts swarm reaches over SSH: named deploy
// targets (config.toml's [remotes.NAME]), the SSH connection to them, and
// the deploy that pushes this swarm release there.
//
// # Connections
//
// [Dial] checks the host's key against a known_hosts file (the user's, or
// the remote's known_hosts) and never accepts an unknown or changed key in
// silence: [ErrUnknownHostKey] and [ErrHostKeyChanged] say what to run.
// Only with [DialOptions.AcceptNew] is a key the file has never seen for
// that address added (as ssh's StrictHostKeyChecking=accept-new does); a
// changed key is refused even then. It authenticates with the remote's
// identity file, else the SSH agent. A dial has a timeout; every operation
// after it runs under a watchdog that closes the connection when the
// operation outlives its timeout, and keepalive@openssh.com requests notice
// a dead link between operations. Dialling is retried with backoff on
// transient network errors only; a refused key or login is not transient.
//
// # Deploy
//
// A remote's folder holds swarm, VERSION and, after a deploy, swarm.prev.
// A remote is stale when its VERSION differs from the release, or is
// missing, empty or unreadable (a deploy script once read a missing
// VERSION as "no difference" and drones ran old code for days). [Deploy]
// updates a stale remote in an order that leaves it whole at every step:
//
//  1. upload the binary to a temporary name, fsync it, set its mode and
//     check the SHA-256 of what landed against the release's;
//  2. keep the current swarm as swarm.prev (a hard link, so swarm never
//     goes missing);
//  3. posix-rename the new binary over swarm (atomic);
//  4. write VERSION last, the same way, so an interrupted deploy leaves a
//     host stale (and retried next time), never half-new with a fresh
//     VERSION;
//  5. run the remote's restart command over SSH (it stops swarm as SIGTERM
//     does, so a drone finishes its builds first) and wait until the drone
//     registers with the new release; if it does not within the deadline,
//     put swarm.prev back, restore VERSION, restart again and report
//     "rolled back".
//
// The files a remote lists (config.toml's remotes.NAME.files) go with the
// release, beside swarm, before VERSION. Orchestrators are deployed before
// everything else. Every step is an event (deploy_started, deployed,
// deploy_failed, rolled_back).
//
// [Deployer.Bootstrap] is the first install on a fresh host: the binary,
// the drone's configuration, VERSION, then the restart command that starts
// it, and the wait for its first registration. The orchestrator's
// self-healing (package orchestrator) reuses [Dial] and [Conn.Run] to run a
// remote's restart command.
package remotes
