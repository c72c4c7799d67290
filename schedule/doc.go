// Package schedule decides which package a drone builds next, and measures
// that decision on a simulated clock.
//
// The farm builds a graph of packages (jobs) on drones of different sizes.
// Two facts bound how soon it can finish: the longest chain of
// dependencies, built on the fastest drone, and the total work spread over
// every core. Simulate measures how close a policy comes to the larger of
// the two (BENCHMARKS.md has the figures on a real Gentoo graph).
//
// # Model
//
// A Job is one package: its expected build time (Work) on a reference
// machine of RefCores cores, and the jobs it needs built first. A Drone
// builds one job at a time with all its cores, in Work × RefCores / Cores:
// a linear speed model, under which a build uses the same core-time on any
// drone, so that LowerBound's two facts are true bounds and a tight pair
// (Drone.Time says why not a sub-linear one).
//
// Unmeasured packages get an estimate: Estimates uses the package's own
// history, else its category's median, else the overall median.
//
// # Policy
//
// A job is ready only when every dependency is done. Among ready jobs the
// one with the longest remaining critical path (Priorities: its own work
// plus the longest chain of work waiting for it) goes first. When several
// drones are free at once the biggest chooses first, so the most urgent job
// gets the fastest drone; and a drone passes over a job that a bigger drone,
// busy now, would still finish sooner (Plan.Pick), so a long build does not
// start on a small drone minutes before a big one frees up. PolicyFIFO, the
// naive dispatcher measured against, takes ready jobs in queue order on
// whichever drone asks.
//
// # Use
//
// The orchestrator and the simulator run the same code. Build a Plan over
// the queue's jobs, Finish the ones already built; then, when drones ask
// for work, order the askers biggest first and for each call Pick with the
// busy drones as Peers (cores, and how long until their builds should end)
// and an accept function for what that drone may not take (excluded,
// returned by it, a missing capability), then Start the job it chose.
// Finish a job when its build completes, Return it when it is given back
// or fails and will be retried. A dispatcher that keeps its own ready
// order instead of a Plan applies the same rule with a Lookahead: walk the
// ready jobs in priority order and grant the first the drone may build and
// Lookahead.Take accepts.
//
// Priorities and Estimates serve whoever fills the queue: expected build
// times for every package, and each one's remaining critical path.
//
// Simulate drives a Plan the same way over a whole job list and fleet with
// a simulated clock, and reports the makespan against LowerBound.
package schedule
