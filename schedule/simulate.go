package schedule

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"time"
)

// Run is one build of a simulated schedule.
type Run struct {
	Job, Drone int // indexes into the jobs and the fleet
	Start, End time.Duration
}

// Result is what a simulation measured.
type Result struct {
	Policy      string
	Jobs        int
	Makespan    time.Duration // from the first start to the last end
	Bounds      Bounds
	Utilisation float64 // busy core-time over total cores × makespan; 1 when nothing ran
	Runs        []Run   // every build, in start order
}

// LowerBound is Bounds.Max.
func (r Result) LowerBound() time.Duration { return r.Bounds.Max() }

// Ratio is the makespan over the lower bound: 1 is a perfect schedule.
// It is 1 for an empty or zero-work job list.
func (r Result) Ratio() float64 {
	if r.LowerBound() == 0 {
		return 1
	}
	return float64(r.Makespan) / float64(r.LowerBound())
}

// Simulate runs the policy over the jobs on the fleet with a simulated
// clock: every build takes exactly drone.Time(job.Work), and whenever
// drones are free they ask for work the way drones ask the orchestrator —
// in fleet order, or biggest first under BigFirst — and get Plan.Pick's
// answer, with the busy drones as peers. Time advances to the next build's
// end. The result is deterministic: ties go to the lower drone index, and
// the ready queue breaks ties by job index.
//
// It fails with ErrBadJob, ErrCycle or ErrBadFleet.
func Simulate(jobs []Job, fleet []Drone, policy Policy) (Result, error) {
	return SimulateActual(jobs, nil, fleet, policy)
}

// SimulateActual is Simulate where the builds do not take what the
// scheduler expects: job i really takes actual[i] on the reference machine
// (nil: its Work), while every decision still sees only Work and the
// expected ends of running builds, as the orchestrator does. The bounds
// are those of the actual times. It measures how much the policy relies on
// good estimates.
func SimulateActual(jobs []Job, actual []time.Duration, fleet []Drone, policy Policy) (Result, error) {
	if err := validateFleet(fleet); err != nil {
		return Result{}, err
	}
	real := jobs
	if actual != nil {
		if len(actual) != len(jobs) {
			return Result{}, fmt.Errorf("%w: %d actual times for %d jobs", ErrBadJob, len(actual), len(jobs))
		}
		real = make([]Job, len(jobs))
		for i, j := range jobs {
			real[i] = Job{ID: j.ID, Work: actual[i], Deps: j.Deps}
		}
	}
	bounds, err := LowerBound(real, fleet)
	if err != nil {
		return Result{}, err
	}
	plan, err := NewPlan(jobs, policy)
	if err != nil {
		return Result{}, err
	}
	s := sim{plan: plan, real: real, fleet: fleet, busy: make([]int, len(fleet)), expected: make([]time.Duration, len(fleet))}
	s.order = make([]int, len(fleet))
	for i := range s.order {
		s.order[i], s.busy[i] = i, -1
	}
	if policy.BigFirst {
		slices.SortStableFunc(s.order, func(a, b int) int { return cmp.Compare(fleet[b].Cores, fleet[a].Cores) })
	}
	if err := s.run(); err != nil {
		return Result{}, err
	}
	return s.result(policy, bounds), nil
}

// sim is one simulation's state.
type sim struct {
	plan     *Plan
	real     []Job // the jobs with the time their builds really take
	fleet    []Drone
	order    []int           // the order free drones choose in
	busy     []int           // the job each drone builds; -1: idle
	expected []time.Duration // when each busy drone's build should end, by its Work
	pending  endHeap         // when running builds really end
	now      time.Duration
	runs     []Run
	peers    []Peer
}

func (s *sim) run() error {
	for s.plan.Remaining() > 0 {
		if err := s.dispatch(); err != nil {
			return err
		}
		if len(s.pending) == 0 {
			return fmt.Errorf("simulation stuck at %v with %d jobs not done and no build running", s.now, s.plan.Remaining())
		}
		s.now = s.pending[0].end
		for len(s.pending) > 0 && s.pending[0].end == s.now {
			d := heap.Pop(&s.pending).(ending).drone
			if err := s.plan.Finish(s.busy[d]); err != nil {
				return err
			}
			s.busy[d] = -1
		}
	}
	return nil
}

// dispatch lets every idle drone, in choosing order, pick a job.
func (s *sim) dispatch() error {
	for _, d := range s.order {
		if s.busy[d] >= 0 || s.plan.ReadyLen() == 0 {
			continue
		}
		i, ok := s.plan.Pick(s.fleet[d], s.busyPeers(d), nil)
		if !ok {
			continue
		}
		if err := s.plan.Start(i); err != nil {
			return err
		}
		end := s.now + s.fleet[d].Time(s.real[i].Work)
		s.busy[d], s.expected[d] = i, s.now+s.fleet[d].Time(s.plan.Job(i).Work)
		s.runs = append(s.runs, Run{Job: i, Drone: d, Start: s.now, End: end})
		heap.Push(&s.pending, ending{end: end, drone: d})
	}
	return nil
}

// busyPeers lists the drones other than d that are building, for Pick's
// lookahead (nil when the policy does not look ahead).
func (s *sim) busyPeers(d int) []Peer {
	if !s.plan.policy.Lookahead {
		return nil
	}
	s.peers = s.peers[:0]
	for e, job := range s.busy {
		if e != d && job >= 0 {
			s.peers = append(s.peers, Peer{Cores: s.fleet[e].Cores, FreeIn: max(s.expected[e]-s.now, 0)})
		}
	}
	return s.peers
}

func (s *sim) result(policy Policy, bounds Bounds) Result {
	r := Result{Policy: policy.Name, Jobs: s.plan.Len(), Makespan: s.now, Bounds: bounds, Utilisation: 1, Runs: s.runs}
	var busy float64 // core-nanoseconds
	for _, run := range s.runs {
		busy += float64(run.End-run.Start) * float64(s.fleet[run.Drone].Cores)
	}
	cores := 0
	for _, d := range s.fleet {
		cores += d.Cores
	}
	if r.Makespan > 0 {
		r.Utilisation = busy / (float64(cores) * float64(r.Makespan))
	}
	return r
}

// ending is a running build's end; endHeap orders them by time, then drone.
type ending struct {
	end   time.Duration
	drone int
}

type endHeap []ending

func (h endHeap) Len() int { return len(h) }
func (h endHeap) Less(i, j int) bool {
	return h[i].end < h[j].end || h[i].end == h[j].end && h[i].drone < h[j].drone
}
func (h endHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *endHeap) Push(x any)   { *h = append(*h, x.(ending)) }
func (h *endHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
