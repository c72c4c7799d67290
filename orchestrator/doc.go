// Package orchestrator is `swarm serve`: the HTTP API drones call (package
// api is its wire form), the dispatcher that hands out claims, and the
// maintenance loop that expires leases, marks silent drones offline and
// ends groundings.
//
// It holds no state of its own beyond what is in flight: every decision is
// a decider of package commands executed against the event log, so the
// orchestrator can be killed at any moment and a new one started on the same
// .swarm folder, and a CLI verb run beside it (enqueue, pause, ground) takes
// effect at the next dispatch round.
//
// The one exception is liveness (commands.Liveness): when each drone last
// beat and each held build was last reported. It changes every heartbeat
// and decides nothing by itself, so it stays in memory; the log gets the
// decisions made from it (drone_offline, reclaimed with its reason, a stall)
// and a resource sample every farm.sample_every. A new orchestrator starts
// with none and counts silence, leases and stalls from its own start.
//
// Claims are long polls: a drone with a free slot asks, and the request waits
// until there is work it may take or its wait runs out. A claim first joins
// the forming round: the claims that arrived since the store last decided
// one, decided together in the store's next batch (the biggest drone
// chooses first) and appended with the other drones' reports, so many
// drones share one fsync. A claim that got nothing waits in the dispatcher,
// whose round decides all waiting claims together whenever the log moves
// (a build finished, a package was enqueued from the CLI), so an idle drone
// is never left idle while work it may take is needed; while any wait
// there, new claims wait with them. A claim ends with its request: a drone
// that hangs up stops waiting, and a claim decided for it as it hung up is
// given back at once.
//
// Several orchestrators may share one replicated log (a JetStream cluster);
// then only the one its Leadership names decides (leader.go). A follower
// serves the read views from the log it follows and answers every drone
// call 503 with code not_leader and the leader's URL in the Swarm-Leader
// header; its dispatcher, maintenance sweep, scheduled fresh and
// self-healing stand still, and stop before their next decision when
// leadership leaves. A decision already in flight is fenced by the log's
// conditional append. Taking over, a server catches up with the log and
// counts silence and leases from the takeover, since the heartbeats the
// old leader heard died with its memory: the switch reclaims nothing, and
// a claim's fence, the seq of its claim event in the shared log, stays
// valid. A lone server (no Leadership) always leads.
//
// It faces the network: every request body is decoded strictly and its
// fields checked before anything is decided (a refusal appends nothing),
// connections are capped below the descriptor limit with a share kept for
// token holders (connlimit.go), and beyond loopback the read views need an
// operator's token.
//
// GET /v1/dispatch counts what the dispatcher decided since the server
// started: rounds, and per drone the claims decided (granted or not) and
// the log's seq they were decided against (api.DispatchStats). It is the
// evidence a test waits for before asserting that a drone got nothing,
// instead of sleeping, and tells an operator whether an idle drone is
// asking at all.
//
// The live views read the log, never the server's own state: GET
// /v1/events streams events as they are appended (stream.go: one hub
// follows the log with an events.Tail while anybody is subscribed, and
// fans out to bounded client buffers), GET / is the web dashboard (package
// dashboard) over that stream and the read views, and GET /metrics reports
// the state's figures as status judges them, with latencies and the counts
// of the events the store took in (metrics.go).
package orchestrator
