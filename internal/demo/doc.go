// Package demo runs a throwaway farm for a first look at swarm: a real
// orchestrator and real drones, as separate processes of the swarm binary,
// building a real package list with real build durations, scaled down.
//
// The data is embedded (see SOURCES.md): packages.txt is the package list of
// a real `emerge -p` (a KDE rebuild); merges.txt names the merges whose
// durations eventmix.Durations() holds, so each package gets the duration
// the same user's machine really took to build it. A Plan picks N of those
// packages and divides their durations by a speedup.
//
// The drones' build command is the swarm binary itself (`swarm demo build`,
// see Simulate): it prints emerge-like progress for the package's scaled
// duration and exits 0, except that one package per demo fails its first
// attempt, to show a retry.
//
// Run puts it together: it configures a state folder for a quick farm
// (second-scale heartbeats and leases), admits the drones, enqueues the plan,
// starts `swarm serve` and the drones, reports Progress until the queue
// drains, stops every process and returns the final status. It never touches
// a terminal: the caller renders Progress.
package demo
