package forensics

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// farm is an in-memory farm for tests: the real deciders of package
// commands, decided against a State and recorded as a log would record
// them (sequence numbers from 1, times from the test's clock).
type farm struct {
	t     testing.TB
	now   time.Time
	rules commands.Rules
	st    *projections.State
	log   []events.Event
}

var t0 = time.Date(2026, 2, 5, 10, 0, 0, 0, time.UTC)

func newFarm(t testing.TB, r commands.Rules) *farm {
	return &farm{t: t, now: t0, rules: r, st: projections.New()}
}

// do decides d now and records its events.
func (f *farm) do(d commands.Decider) []events.Event {
	f.t.Helper()
	evs, err := d(f.st)
	if err != nil {
		f.t.Fatalf("at %s: %v", f.now, err)
	}
	for i := range evs {
		evs[i].Seq = uint64(len(f.log)) + 1
		evs[i].Time = f.now
		f.st.Apply(&evs[i])
		f.log = append(f.log, evs[i])
	}
	return evs
}

func (f *farm) tick(d time.Duration) { f.now = f.now.Add(d) }

func (f *farm) register(ids ...string) {
	for _, id := range ids {
		f.do(commands.Register(commands.DroneInfo{ID: id, Cores: 4, Version: "v1", Health: "healthy"}, nil, nil))
	}
}

// claim has drone claim atom and returns the fence.
func (f *farm) claim(drone, atom string) uint64 {
	f.t.Helper()
	evs := f.do(commands.Claim(f.rules, f.now, drone, atom))
	return evs[0].Fence
}

func (f *farm) fail(drone, atom, sig string) []events.Event {
	f.t.Helper()
	fence := f.claim(drone, atom)
	f.tick(time.Minute)
	return f.do(commands.Fail(f.rules, f.now, drone, atom, fence, commands.Failure{Signature: sig, Reason: "emerge exited 1"}))
}

func (f *farm) build(drone, atom string) {
	f.t.Helper()
	fence := f.claim(drone, atom)
	f.tick(time.Minute)
	f.do(commands.Complete(drone, atom, fence, commands.Binpkg{}))
}

// beat heartbeats drone, reporting the builds it holds with progress.
func (f *farm) beat(drone string, progress uint64) {
	var tasks []commands.TaskReport
	if d, ok := f.st.Drone(drone); ok {
		for _, a := range d.Tasks {
			p, _ := f.st.Package(a)
			tasks = append(tasks, commands.TaskReport{Atom: a, Fence: p.Fence, Progress: progress})
		}
	}
	f.do(commands.Heartbeat(f.rules, f.now, drone, commands.Beat{Health: "healthy", Tasks: tasks}, nil, nil))
}

func (f *farm) maintain() []events.Event { return f.do(commands.Maintain(f.rules, f.now, t0, nil)) }

// Events makes the recorded log a projections.Source.
func (f *farm) Events(_ context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		for i := range f.log {
			if f.log[i].Seq >= from {
				e := f.log[i]
				if !yield(&e, nil) {
					return
				}
			}
		}
	}
}

func (f *farm) count(t events.Type) int {
	n := 0
	for _, e := range f.log {
		if e.Type == t {
			n++
		}
	}
	return n
}
