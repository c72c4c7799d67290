// Package drone is the build agent that runs on each build machine of the
// farm (`swarm drone`). It talks to the orchestrator through package api
// and holds no state of its own beyond the builds in progress: the farm's
// truth is the orchestrator's event log.
//
// # Life of a drone
//
// Register: the drone introduces itself (id, cores, memory, slots,
// capabilities, release) and receives the farm's canonical settings: the
// build command, heartbeat interval, lease, stall limit, the slots it may
// use and the health thresholds. It retries with backoff while the
// orchestrator cannot be reached, and registers again whenever a call
// answers api.ErrNotRegistered (the orchestrator restarted). A refused
// token is fatal: Run returns an error matching api.ErrUnauthorized.
//
// Several orchestrators: given every member's URL (a cluster on one
// replicated log), the drone calls the one that last answered, goes to the
// leader a follower names in its refusal (Swarm-Leader), and moves on to
// the next URL when one cannot be reached (follow.go). Its builds carry
// on across a switch and are reported to the new leader with their fence.
//
// Heartbeat: every interval, the drone samples CPU, memory, disk (of the
// log folder's filesystem) and load through a Sampler, judges its health,
// and reports it with every build it holds (atom, fence, progress: a
// counter of output bytes, portage build.log bytes under PORTAGE_TMPDIR and
// CPU milliseconds of the build's process group, progress.go). A heartbeat
// renews those builds' leases. Its answer may
// drop builds that are no longer the drone's (reclaimed, stalled,
// grounded): their process groups are killed and they are never reported.
// It also says whether the drone is grounded or the queue paused.
//
// Claim: while the drone is healthy, not draining, not grounded, the queue
// not paused, and it holds fewer builds than its slots, it long-polls for a
// claim (DefaultClaimWait, server-side). A drone with N slots runs N builds
// at once. Failed calls back off; nothing spins.
//
// Build: the orchestrator's argv template with {atom} replaced inside each
// argument (ExpandCommand); no shell, ever. The command runs in its own
// process group with stdin from /dev/null and stdout and stderr appended to
// one log file per claim in the log folder:
//
//	<log_dir>/<atom with [^A-Za-z0-9._+-] as _>.<fence>.log
//	e.g. sys-devel_llvm-19.1.7.42.log
//
// Its environment is the drone's without its secrets (TokenEnv, any other
// SWARM_…TOKEN… variable, any variable holding the token) and adds
// SWARM_DRONE, SWARM_ATOM, SWARM_FENCE, SWARM_ATTEMPT and SWARM_BUILD_LOG,
// PKGDIR (a fresh folder beside the log, <name>.<fence>.pkgdir, removed once
// the build is reported) and PORTAGE_BINHOST (the orchestrator's /binhost/).
//
// Packages: after exit 0, every *.gpkg.tar of the claimed package the build
// left in its PKGDIR (not its dependencies': emerge --getbinpkg stores what
// it fetches from PORTAGE_BINHOST there too) is hashed (SHA-256 and size, one streaming pass) and uploaded, streamed from
// disk, under the claim's fence (api.Client.Binpkg), retried with backoff on
// network errors and 5xx but not on 4xx. A 422 (rejected: the orchestrator
// took the package back) or 409 (stale) ends the build's reporting; another
// 4xx fails the build ("upload-refused"), and so do xpak packages (*.tbz2,
// *.xpak: "xpak-package"), which the farm never takes. Then the build is
// reported complete, with the package's SHA-256 and size when it made one.
//
// Build log: before complete or fail, the build's whole log is sent
// (api.Client.BuildLog), zstd-compressed into a file beside it and streamed
// from there, redacted of the token as it is compressed (copyRedacted: the
// same forms as the excerpt's redaction — as is, URL-escaped, base64 — found
// line by line, and across the chunks of a line longer than 64 KiB). A log
// that cannot be sent is logged; the build is reported anyway.
//
// Exit 0 is reported complete. Any other end is
// reported failed, with a signature from the log tail
// (portage.FailureSignature, else "exit-N" or "signal-NAME"), a one-line
// reason ("emerge exited 1", "killed by signal: killed") and the last 40
// lines (at most 4 KiB) of the log, with the token (as it is, URL-escaped
// or base64) replaced by Redacted: tokens never leave the drone process. A
// build that could not even start (the program missing, its log's name too
// long, permission denied) is reported with signature "start-failed" and its
// cause in api.FailRequest.Start: the orchestrator holds the package or
// grounds the drone rather than counting a failure. A report the orchestrator refuses as
// stale (api.ErrStaleFence) is dropped; one that cannot reach it is retried
// with backoff until it is recorded or the lease has certainly expired, so
// a completion is never lost silently.
//
// # Health
//
// Health is a pure state machine, fed by the agent:
//
//	healthy ──memory, disk or a slow build over its threshold──▶ degraded
//	degraded ──every reason gone──▶ healthy
//	any ──critical_crashes builds crashed in a row──▶ critical
//	critical ──every held package returned──▶ recovering
//	recovering ──self-check passes (or none configured)──▶ healthy
//
// Degraded finishes what it holds and claims nothing new. A crash is a
// build killed by a signal the drone did not send, or one whose log says
// it ran out of memory; a successful build resets the count, an ordinary
// failure leaves it alone. Critical kills every other build and returns its
// package with a reason such as "drone critical: 3 builds crashed in a
// row".
//
// # Stopping
//
// Agent.Drain (the first SIGTERM): claim nothing more, finish and report
// the builds in progress, then Run returns nil. Agent.Abort (the second
// SIGTERM), or cancelling Run's context: kill every build's process group,
// return each package with the reason "drone shutting down" (one short try
// each), and Run returns nil.
package drone
