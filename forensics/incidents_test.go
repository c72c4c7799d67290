package forensics

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
)

// stormFarm is the field's grounding storm: a stale queue makes every
// build fail on every drone, and with the systemic rule off (as it was
// then) the breaker grounds the whole fleet.
func stormFarm(t testing.TB) *farm {
	r := commands.DefaultRules()
	r.GroundAfter, r.SystemicFraction = 2, 0
	f := newFarm(t, r)
	f.register("a", "b", "c")
	var atoms []string
	for i := range 9 {
		atoms = append(atoms, fmt.Sprintf("dev-libs/p%d-1.0", i))
	}
	f.do(commands.Enqueue(commands.ActorOperator, atoms))
	i := 0
	for range 2 {
		for _, d := range []string{"a", "b", "c"} {
			f.fail(d, atoms[i], "slot-conflict")
			i++
		}
	}
	return f
}

func find(t *testing.T, f *farm) []Incident {
	t.Helper()
	got, err := Find(context.Background(), f, 10*time.Minute, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func only(t *testing.T, got []Incident, kind string) Incident {
	t.Helper()
	var found []Incident
	for _, in := range got {
		if in.Kind == kind {
			found = append(found, in)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s, got %d of %d incidents: %+v", kind, len(found), len(got), got)
	}
	return found[0]
}

func TestFindGroundingStorm(t *testing.T) {
	f := stormFarm(t)
	if n := f.count(events.TypeGrounded); n != 3 {
		t.Fatalf("the storm fixture grounded %d drones, want 3", n)
	}
	f.tick(10 * time.Minute)
	f.maintain() // cooldowns over
	in := only(t, find(t, f), KindGroundingStorm)
	if len(in.Drones) != 3 || !strings.Contains(in.Summary, "3 of 3 drones") {
		t.Errorf("storm names %v, %q; want all three drones", in.Drones, in.Summary)
	}
	if !strings.Contains(in.Resolution, "cooldown over") {
		t.Errorf("resolution %q, want the cooldowns", in.Resolution)
	}
	var grounded, failed int
	for _, s := range in.Timeline {
		switch s.Type {
		case "grounded":
			grounded++
		case "failed":
			failed++
		}
	}
	if grounded != 3 || failed != 6 {
		t.Errorf("timeline has %d groundings, %d failures; want the 3 groundings and the streaks (2 each) that made them:\n%+v", grounded, failed, in.Timeline)
	}
}

func TestFindSystemicPause(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b", "c")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/x-1", "dev-libs/y-1", "dev-libs/z-1", "dev-libs/w-1"}))
	f.fail("a", "dev-libs/x-1", "slot-conflict")
	f.fail("b", "dev-libs/y-1", "slot-conflict")
	if f.st.Paused == nil {
		t.Fatal("fixture: two of three drones failing alike did not pause the farm")
	}
	f.tick(time.Minute)
	f.do(commands.Resume(commands.ActorOperator))
	in := only(t, find(t, f), KindSystemicPause)
	if !strings.Contains(in.Summary, `"slot-conflict"`) || in.Resolution != "resumed by operator" {
		t.Errorf("got %q, resolved %q", in.Summary, in.Resolution)
	}
	if in.Timeline[0].Type != "failed" || in.Timeline[0].Drone != "a" {
		t.Errorf("timeline should start at the first failure: %+v", in.Timeline)
	}
	for _, other := range find(t, f) {
		if other.Kind == KindGroundingStorm {
			t.Errorf("a systemic pause is no grounding storm: %+v", other)
		}
	}
}

func TestFindDroneDeathAndStall(t *testing.T) {
	r := commands.DefaultRules()
	r.StallAfter = 5 * time.Minute
	f := newFarm(t, r)
	f.register("a", "b")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/x-1", "dev-libs/y-1"}))
	f.claim("a", "dev-libs/x-1")
	f.claim("b", "dev-libs/y-1")
	for range 4 { // a dies; b heartbeats on, its build making no progress
		f.tick(15 * time.Second)
		f.beat("b", 1)
		f.maintain()
	}
	f.tick(5 * time.Minute)
	f.beat("b", 1)
	f.maintain()
	f.build("b", "dev-libs/x-1")
	f.build("b", "dev-libs/y-1")
	got := find(t, f)
	death := only(t, got, KindDroneDeath)
	if death.Drones[0] != "a" || !strings.Contains(death.Resolution, "built again") {
		t.Errorf("death: %+v", death)
	}
	if !strings.HasPrefix(death.Timeline[0].Text, "last recorded event of a") {
		t.Errorf("death timeline should start at the last event a recorded: %+v", death.Timeline)
	}
	stall := only(t, got, KindStall)
	if stall.Atoms[0] != "dev-libs/y-1" || !strings.Contains(stall.Resolution, "built again") {
		t.Errorf("stall: %+v", stall)
	}
}

func TestFindDeploySkewAndSince(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	f.tick(time.Hour)
	f.do(commands.Register(commands.DroneInfo{ID: "a", Version: "v2"}, nil, nil))
	f.tick(time.Hour) // b was skipped by the deploy for an hour
	f.do(commands.Register(commands.DroneInfo{ID: "b", Version: "v2"}, nil, nil))
	in := only(t, find(t, f), KindDeploySkew)
	if in.Resolution != "online drones agree again on release v2" || !strings.Contains(in.Summary, "b on v1; a on v2") {
		t.Errorf("skew: %+v", in)
	}
	after, err := Find(context.Background(), f, 10*time.Minute, f.now.Add(time.Second))
	if err != nil || len(after) != 0 {
		t.Errorf("--since after it ended still shows %v (%v)", after, err)
	}
}

func TestFindRejectedUpload(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/x-1"}))
	fence := f.claim("a", "dev-libs/x-1")
	f.tick(time.Minute)
	f.do(commands.Reject(f.rules, f.now, "a", "dev-libs/x-1", fence, "size", "0 bytes, drone said 1234", commands.Binpkg{Size: 1234}))
	f.build("b", "dev-libs/x-1")
	in := only(t, find(t, f), KindRejectedUpload)
	if !strings.Contains(in.Summary, "0 bytes") || in.Timeline[0].Type != "claimed" || in.Resolution != "built again: [dev-libs/x-1]" {
		t.Errorf("rejected: %+v", in)
	}
}

// An operator grounding drones is the operator's decision, not a storm.
func TestOperatorGroundingsAreNoStorm(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	f.do(commands.Ground(commands.ActorOperator, "a", time.Time{}, "maintenance"))
	f.do(commands.Ground(commands.ActorOperator, "b", time.Time{}, "maintenance"))
	if got := find(t, f); len(got) != 0 {
		t.Errorf("operator groundings reported: %+v", got)
	}
}

// A rolling deploy disagrees for a minute: no incident.
func TestRollingDeployIsNoSkew(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	f.tick(time.Hour)
	f.do(commands.Register(commands.DroneInfo{ID: "a", Version: "v2"}, nil, nil))
	f.tick(time.Minute)
	f.do(commands.Register(commands.DroneInfo{ID: "b", Version: "v2"}, nil, nil))
	if got := find(t, f); len(got) != 0 {
		t.Errorf("a one-minute rolling deploy reported: %+v", got)
	}
}
