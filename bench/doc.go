// Package bench is the library behind `swarm bench`: it measures this
// machine's limits and swarm against them in one run, and reports ratios. It
// doubles as a diagnostic an operator runs on a new orchestrator disk.
//
// # Why ratios
//
// An absolute figure ("4,100 events/s") says more about the disk and the
// neighbours of a shared machine than about swarm. So every swarm measurement
// has a raw counterpart doing the least work that could give the same
// guarantee on the same disk and data: a write plus fdatasync per event, a
// hand-written leader/follower group commit, one write of pre-encoded bytes,
// a hand-written decoder folding into plain maps. Raw and swarm run
// interleaved, round by round (raw, swarm, raw, swarm …), so both see the same
// weather, and the reported Ratio is the median of the per-round ratios. Only
// ratios measured in one run are comparable; Value and Raw are medians too,
// kept for the operator's eye. Each side of an append round runs for a slice
// of time (or a cap of calls), so a slow disk shortens rounds rather than
// lengthening the run. Where cores are shared, wall-clock ratios swing; so
// rate probes also report CPURatio, the same ratio in events per CPU-second
// of this process, which other processes barely disturb.
//
// # What is measured
//
//   - append_single: one event per Append and one fdatasync each, against a
//     write+fdatasync loop of the same encoded records.
//   - append_group_64: 64 goroutines appending one event at a time, so group
//     commit shares fdatasyncs, against a minimal mutex-and-queue group commit
//     (rawgroup.go); goal ≥ 0.8× raw. append_group_64_p99 is the p99 latency
//     of one such Append, in ms.
//   - append_bulk_1000: Append of 1,000 events per call against writing the
//     same records, already encoded, with one fdatasync.
//   - replay_1m: a 1,000,000-event log of a realistic farm (internal/eventmix)
//     is built once, then folded into every projection (projections.Replay)
//     against a raw pipeline: read segments, zstd-decode frames, decode atom
//     and drone from each record, update a map; goal ≥ 0.6× raw.
//   - status_cold_ms: `swarm status --json` as a new process on that log with
//     a snapshot at its end, against `swarm version` (the cost of starting a
//     process at all); goal ≤ 50 ms. The page cache is warm: "cold" is the
//     process, not the disk.
//   - compression_ratio and framing_overhead: the encoded records (with their
//     length prefixes) against the bytes on disk of the sealed segments of that
//     log (goals ≥ 4.9× and ≤ 10 %), and the same figures, for information, for
//     the loose log of single-event appends.
//   - claims_http_64 and claims_http_16: the real orchestrator (package
//     orchestrator, in this process) on a loopback port, with 64 or 16
//     simulated drones (internal/simdrone) each claiming and completing as
//     fast as it is answered, in claim+complete pairs per second, against
//     rawHTTP: a Go HTTP handler that appends a fixed record per request
//     with a shared group fdatasync and answers, for the same two requests
//     from as many clients. Goals ≥ 0.7× raw and ≥ 6,000/s for 64 drones;
//     their _p99 (a claim's latency, ms) ≤ 2× raw's and ≤ 15 ms (64) or
//     ≤ 5 ms (16). The queue is topped up between rounds, outside the clock.
//   - heartbeats_http_64: 64 drones each holding a build heartbeat as fast
//     as they are answered, against rawHTTP; goals ≥ 10,000/s, p99 ≤ 10 ms.
//   - snapshot_worst_ms: 64 drones claim from a big queue with snapshots at
//     the default interval until two were written; the slowest request,
//     against the time one snapshot of that State takes to write (a
//     request that waited on a snapshot would take at least that long).
//     A control run as long on a server that writes no snapshots gives,
//     in Detail, the worst request of the same load without them.
//   - fleet_1000_*: one real `swarm serve` child process with 1,000 admitted
//     drones and 100,000 queued packages; simulated drones heartbeat every
//     15 s (real time) and build for 5-25 s (compressed: real builds take
//     minutes) between a claim and its report, while GET /v1/status is asked
//     every 250 ms and `swarm status --json` runs as a new process a few
//     times. _rss is the server's peak resident memory (VmHWM, ≤ 500 MiB),
//     _claim_p99 ≤ 10 ms, _status_http_p99 and _status_cold_ms ≤ 50 ms (the
//     latter against `swarm version`). Left out of --quick unless asked for
//     with --probe fleet (Options.Probes).
//
// Options.Probes (--probe) runs only some groups of probes (ProbeGroups).
//
// Results carry Value (swarm), Raw (the counterpart), Ratio (swarm/raw: above
// 1 is faster for rates, slower for times), a Goal and whether it passed. A
// probe that cannot run (no swarm binary) is Skipped, not failed.
package bench
