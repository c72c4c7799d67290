package schedule

import (
	"fmt"
	"iter"
	"time"
)

// State is where a job of a Plan stands.
type State uint8

const (
	Waiting State = iota // some dependency is not done yet
	Ready                // every dependency is done; in the ready queue
	Running              // started on a drone
	Done                 // built (or already available, such as on the binhost)
)

var stateNames = [...]string{"waiting", "ready", "running", "done"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", s)
}

// Plan is the scheduler's runtime state over one job graph: which jobs wait
// for dependencies, which are ready (in the policy's order) and which are
// running or done. The orchestrator keeps one for its queue and the
// simulator drives one on a simulated clock, so both dispatch with the
// same code: Pick a job for a drone asking for work, Start it, and Finish
// or Return it when the drone reports back.
//
// A Plan is not safe for concurrent use.
type Plan struct {
	policy     Policy
	jobs       []Job
	bottom     []time.Duration // Priorities(jobs)
	dependents [][]int32
	waiting    []int32 // dependencies not yet done
	state      []State
	index      map[string]int
	ready      Queue
	done       int
}

// NewPlan validates the jobs, computes their priorities and puts the jobs
// without dependencies in the ready queue. It fails with ErrBadJob (also for
// two jobs with the same non-empty ID) or ErrCycle.
func NewPlan(jobs []Job, policy Policy) (*Plan, error) {
	topo, dependents, err := order(jobs)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		policy:     policy,
		jobs:       jobs,
		bottom:     bottomLevels(jobs, topo, dependents, func(w time.Duration) time.Duration { return w }),
		dependents: dependents,
		waiting:    make([]int32, len(jobs)),
		state:      make([]State, len(jobs)),
		index:      make(map[string]int, len(jobs)),
	}
	for i, j := range jobs {
		if j.ID != "" {
			if k, dup := p.index[j.ID]; dup {
				return nil, fmt.Errorf("%w: jobs %d and %d are both %q", ErrBadJob, k, i, j.ID)
			}
			p.index[j.ID] = i
		}
		p.waiting[i] = int32(len(j.Deps))
		if len(j.Deps) == 0 {
			p.makeReady(i)
		}
	}
	return p, nil
}

// Len is the number of jobs.
func (p *Plan) Len() int { return len(p.jobs) }

// Job returns job i as given to NewPlan.
func (p *Plan) Job(i int) Job { return p.jobs[i] }

// Index returns the index of the job with this ID.
func (p *Plan) Index(id string) (int, bool) {
	i, ok := p.index[id]
	return i, ok
}

// State is where job i stands.
func (p *Plan) State(i int) State { return p.state[i] }

// Priority is job i's bottom level (see Priorities), whatever the policy.
func (p *Plan) Priority(i int) time.Duration { return p.bottom[i] }

// Remaining is the number of jobs not done.
func (p *Plan) Remaining() int { return len(p.jobs) - p.done }

// ReadyLen is the number of ready jobs.
func (p *Plan) ReadyLen() int { return p.ready.Len() }

// Ready yields the ready jobs in the policy's order. The plan must not
// change during the walk.
func (p *Plan) Ready() iter.Seq[int] { return p.ready.All() }

// Start marks ready job i as running: it leaves the ready queue.
func (p *Plan) Start(i int) error {
	if err := p.expect(i, Ready); err != nil {
		return err
	}
	p.ready.Remove(i)
	p.state[i] = Running
	return nil
}

// Return puts running job i back in the ready queue: its drone gave it back
// or failed it, and it is to be tried again.
func (p *Plan) Return(i int) error {
	if err := p.expect(i, Running); err != nil {
		return err
	}
	p.makeReady(i)
	return nil
}

// Finish marks job i done and makes ready every dependent whose last
// dependency it was. i may be running (its build completed) or not started
// at all (it is already built, or on the binhost); finishing a done job is
// an ErrState error.
func (p *Plan) Finish(i int) error {
	if i < 0 || i >= len(p.jobs) {
		return fmt.Errorf("%w: finish job %d of %d", ErrState, i, len(p.jobs))
	}
	if p.state[i] == Done {
		return fmt.Errorf("%w: finish %s, which is already done", ErrState, name(p.jobs, i))
	}
	p.ready.Remove(i)
	p.state[i] = Done
	p.done++
	for _, d := range p.dependents[i] {
		if p.waiting[d]--; p.waiting[d] == 0 && p.state[d] == Waiting {
			p.makeReady(int(d))
		}
	}
	return nil
}

// makeReady queues job i in the policy's order: by bottom level, or by
// index alone (all priorities equal) for a queue-order policy.
func (p *Plan) makeReady(i int) {
	var prio time.Duration
	if p.policy.ByCriticalPath {
		prio = p.bottom[i]
	}
	p.state[i] = Ready
	p.ready.Add(i, prio)
}

func (p *Plan) expect(i int, s State) error {
	if i < 0 || i >= len(p.jobs) {
		return fmt.Errorf("%w: job %d of %d", ErrState, i, len(p.jobs))
	}
	if p.state[i] != s {
		return fmt.Errorf("%w: %s is %s, not %s", ErrState, name(p.jobs, i), p.state[i], s)
	}
	return nil
}
