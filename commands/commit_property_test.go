package commands

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// propT0 is the property test's clock: the log stamps every event with it.
var propT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// propOp is one request of the property test: a decider made fresh for
// each run (deciders write their answers into variables of their own).
type propOp func() Decider

// building returns drone's k-th build in the State (by atom), if it has any.
func buildingOn(st *projections.State, drone string, k int) (projections.QueueRow, bool) {
	var mine []projections.QueueRow
	for _, r := range st.QueueList(string(projections.Building)) {
		if r.Drone == drone {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		return projections.QueueRow{}, false
	}
	return mine[k%len(mine)], true
}

// onBuild decides f against drone's k-th build, or refuses as a report
// about nothing would be.
func onBuild(drone string, k int, f func(projections.QueueRow) Decider) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		r, ok := buildingOn(st, drone, k)
		if !ok {
			return nil, fmt.Errorf("%s builds nothing: %w", drone, ErrNotBuilding)
		}
		return f(r)(st)
	}
}

// propOps is a random farm day: enqueues, registrations, dispatch rounds,
// completions, failures, returns, stale reports, heartbeats, maintenance
// with the clock jumping past leases, groundings.
func propOps(rng *rand.Rand, n int) []propOp {
	drones := []string{"d0", "d1", "d2", "d3"}
	rules := DefaultRules()
	now := propT0
	var ops []propOp
	atoms := 0
	for i := range n {
		d, k := drones[rng.IntN(len(drones))], rng.IntN(4)
		at := now.Add(time.Duration(i) * time.Second)
		switch c := rng.IntN(100); {
		case c < 8:
			var as []string
			for range 1 + rng.IntN(6) {
				as = append(as, fmt.Sprintf("dev-libs/p%d-1.%d", atoms, atoms%3))
				atoms++
			}
			ops = append(ops, func() Decider { return Enqueue(ActorOperator, as) })
		case c < 14:
			ops = append(ops, func() Decider { return Register(DroneInfo{ID: d, Cores: 4, Slots: 2}, nil, nil) })
		case c < 34:
			ask := []string{d}
			if rng.IntN(2) == 0 {
				ask = append(ask, drones[rng.IntN(len(drones))])
			}
			ops = append(ops, func() Decider { var g []Grant; return Dispatch(rules, at, ask, &g) })
		case c < 52:
			ops = append(ops, func() Decider {
				return onBuild(d, k, func(r projections.QueueRow) Decider {
					return Complete(d, r.Atom, r.Fence, Binpkg{SHA256: "ab", Size: 10})
				})
			})
		case c < 62:
			sig := []string{"slot-conflict", "compile", "fetch"}[rng.IntN(3)]
			ops = append(ops, func() Decider {
				return onBuild(d, k, func(r projections.QueueRow) Decider {
					return Fail(rules, at, d, r.Atom, r.Fence, Failure{Signature: sig, Reason: "emerge exited 1"})
				})
			})
		case c < 66:
			ops = append(ops, func() Decider {
				return onBuild(d, k, func(r projections.QueueRow) Decider { return Return(d, r.Atom, r.Fence, "stopping") })
			})
		case c < 72:
			ops = append(ops, func() Decider {
				return onBuild(d, k, func(r projections.QueueRow) Decider { return Complete(d, r.Atom, r.Fence+1000, Binpkg{}) })
			})
		case c < 88:
			ops = append(ops, func() Decider {
				return func(st *projections.State) ([]events.Event, error) {
					var tasks []TaskReport
					for _, r := range st.QueueList(string(projections.Building)) {
						if r.Drone == d {
							tasks = append(tasks, TaskReport{Atom: r.Atom, Fence: r.Fence})
						}
					}
					var ans BeatAnswer
					return Heartbeat(rules, at, d, Beat{Health: "healthy", Tasks: tasks}, nil, &ans)(st)
				}
			})
		case c < 95:
			if rng.IntN(3) == 0 {
				now = now.Add(20 * time.Minute) // past every lease and heartbeat
			}
			at := now.Add(time.Duration(i) * time.Second)
			ops = append(ops, func() Decider { return Maintain(rules, at, propT0, nil) })
		case c < 98:
			ops = append(ops, func() Decider { return Ground(ActorOperator, d, at.Add(time.Hour), "test") })
		default:
			ops = append(ops, func() Decider { return Unground(ActorOperator, d) })
		}
	}
	return ops
}

// propRun is what one run of the ops produced.
type propRun struct {
	answers []string // per op: its error, or its events
	log     []events.Event
	state   []byte // the final State as a snapshot encodes it
	replay  []byte // the State replayed from the log by another reader
}

// runOps decides ops against a fresh store in batches of the sizes split
// gives, as the committer would have formed them.
func runOps(t *testing.T, ops []propOp, split func() int) propRun {
	t.Helper()
	dir := t.TempDir()
	s, err := OpenStore(dir, StoreOptions{SnapshotEvery: -1, Now: func() time.Time { return propT0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var run propRun
	ctx := context.Background()
	for i := 0; i < len(ops); {
		var batch []*pending
		for n := split(); n > 0 && i < len(ops); n-- {
			batch = append(batch, &pending{ctx: ctx, d: ops[i]()})
			i++
		}
		s.mu.Lock()
		s.commitLocked(ctx, batch)
		s.mu.Unlock()
		for _, r := range batch {
			if r.err != nil {
				run.answers = append(run.answers, "error: "+r.err.Error())
			} else {
				run.answers = append(run.answers, fmt.Sprintf("%+v", r.out.Events))
			}
		}
	}
	st, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run.state = encoded(t, st)
	run.log = readAll(t, dir)
	r, err := OpenStore(dir, StoreOptions{ReadOnly: true, SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fresh, err := r.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run.replay = encoded(t, fresh)
	return run
}

func encoded(t *testing.T, st *projections.State) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := projections.Save(dir, st, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%020d.snap", st.Seq)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBatchingChangesNothing: the same requests decided one at a time and
// in batches of any split give the same answers, the same events and the
// same final State, and the State the committer holds in memory is the
// one a replay of its log gives.
func TestBatchingChangesNothing(t *testing.T) {
	trials := 12
	if testing.Short() {
		trials = 3
	}
	for trial := range trials {
		seed := uint64(trial) + 1
		ops := propOps(rand.New(rand.NewPCG(seed, 10)), 300)
		one := runOps(t, ops, func() int { return 1 })
		if len(one.log) < 100 {
			t.Fatalf("seed %d: only %d events: the ops do too little to prove anything", seed, len(one.log))
		}
		splitRng := rand.New(rand.NewPCG(seed, 20))
		max := []int{2, 8, 64}[trial%3]
		many := runOps(t, ops, func() int { return 1 + splitRng.IntN(max) })
		for i := range one.answers {
			if one.answers[i] != many.answers[i] {
				t.Fatalf("seed %d: op %d answered\n  one at a time: %s\n  in batches:    %s", seed, i, one.answers[i], many.answers[i])
			}
		}
		if !reflect.DeepEqual(one.log, many.log) {
			t.Fatalf("seed %d: the logs differ", seed)
		}
		if !bytes.Equal(one.state, many.state) {
			t.Fatalf("seed %d: the final States differ", seed)
		}
		if !bytes.Equal(many.state, many.replay) || !bytes.Equal(one.state, one.replay) {
			t.Fatalf("seed %d: the State in memory is not the log's replay", seed)
		}
	}
}
