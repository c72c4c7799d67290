package schedule

import "time"

// Policy is how ready jobs and free drones are matched. Dependencies are
// always respected: a job is ready only when every dependency is done,
// because a build started before its dependencies are built fails or
// builds them itself, which is the waste dependency-aware scheduling is for.
type Policy struct {
	Name string

	// ByCriticalPath orders ready jobs by longest remaining critical path
	// (Priorities), highest first; otherwise they keep queue order (the
	// jobs' order in the list, which for a queue filled from emerge
	// --pretend is emerge's own merge order).
	ByCriticalPath bool

	// BigFirst: when several drones are free at once, the one with the most
	// cores chooses first, so the most urgent job lands on the fastest
	// drone. Otherwise drones choose in fleet order.
	BigFirst bool

	// Lookahead: a drone passes over a job that a bigger, busy drone would
	// finish sooner, counting the time until that drone is free (see Pick).
	Lookahead bool
}

// The policies swarm knows. PolicyCriticalPath is the one the farm uses;
// PolicyFIFO is the naive dispatcher it replaces (queue order, any free
// drone, dependencies still respected), kept to measure against.
var (
	PolicyCriticalPath = Policy{Name: "critical-path", ByCriticalPath: true, BigFirst: true, Lookahead: true}
	PolicyFIFO         = Policy{Name: "fifo"}
)

// Peer is another drone that will take work, as Pick's lookahead sees it:
// its cores and how long until its current build should end (a build past
// its expected end counts as ending now).
type Peer struct {
	Cores  int
	FreeIn time.Duration
}

// maxPassed bounds how many jobs one pick passes over for bigger drones, so
// a pick stays cheap on any queue; past it the drone takes the next job it
// may build.
const maxPassed = 64

// Pick chooses the job drone d should start now: the first ready job, in
// the policy's order, that accept takes (nil takes any) and, with
// Lookahead, that no bigger peer should have instead (see Lookahead). The
// caller then calls Start. It returns false when there is none.
//
// With Lookahead, peers are the busy drones that will take work when they
// are free (idle drones are not peers: they have had their turn to choose).
func (p *Plan) Pick(d Drone, peers []Peer, accept func(int) bool) (int, bool) {
	var buf [16]Peer
	look := Lookahead{drone: d}
	if p.policy.Lookahead {
		look = newLookahead(d, peers, buf[:0])
	}
	for i := range p.ready.All() {
		if (accept == nil || accept(i)) && look.Take(p.jobs[i].Work) {
			return i, true
		}
	}
	return 0, false
}

// Lookahead is the rule by which one drone, choosing among jobs offered in
// priority order, passes over a job that a bigger, busy peer would finish
// sooner even after its current build: FreeIn + the peer's time < the
// drone's own time. That peer is then counted as busy with the job for the
// jobs after it, so one big drone is not promised to every long job. It
// keeps a small drone from starting a long build that would end the whole
// schedule late while a drone three times faster frees up minutes later.
//
// Plan.Pick applies it; a dispatcher that walks its own ready order (such
// as the orchestrator's projection) applies the same rule by asking Take
// of each job, in order, that the drone may build, and granting the first
// it accepts. One Lookahead serves one pick.
type Lookahead struct {
	drone  Drone
	bigger []Peer // copies of the bigger peers: Take moves their FreeIn
	passed int
}

// NewLookahead starts a pick for drone d among busy peers.
func NewLookahead(d Drone, peers []Peer) *Lookahead {
	l := newLookahead(d, peers, nil)
	return &l
}

func newLookahead(d Drone, peers, buf []Peer) Lookahead {
	l := Lookahead{drone: d, bigger: buf}
	for _, e := range peers {
		if e.Cores > d.Cores {
			l.bigger = append(l.bigger, e)
		}
	}
	return l
}

// Take reports whether the drone should build a job of this work now;
// false means a bigger peer will finish it sooner, and that peer is now
// counted busy with it. After maxPassed refusals Take accepts anything.
func (l *Lookahead) Take(work time.Duration) bool {
	if len(l.bigger) == 0 || l.passed == maxPassed {
		return true
	}
	k, end := soonest(l.bigger, work)
	if end >= l.drone.Time(work) {
		return true
	}
	l.bigger[k].FreeIn = end
	l.passed++
	return false
}

// soonest returns the peer that would finish work first, after its current
// build, and when.
func soonest(peers []Peer, work time.Duration) (k int, end time.Duration) {
	for i, e := range peers {
		t := max(e.FreeIn, 0) + Drone{Cores: e.Cores}.Time(work)
		if i == 0 || t < end {
			k, end = i, t
		}
	}
	return k, end
}
