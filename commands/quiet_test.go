package commands

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// simFarm runs the orchestrator's deciders on a simulated clock, folding
// their events into a State as the log would (stamped with the clock), and
// keeps the liveness the orchestrator keeps in memory.
type simFarm struct {
	t     testing.TB
	st    *projections.State
	r     Rules
	live  *Liveness
	since time.Time // the simulated orchestrator's start
	now   time.Time
	log   []events.Event        // every event decided
	sink  func(...events.Event) // also given every decision's events, if set
}

func newSimFarm(t testing.TB, r Rules) *simFarm {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	return &simFarm{t: t, st: projections.New(), r: r, live: NewLiveness(), since: start, now: start}
}

// decide runs d at the clock and folds its events.
func (f *simFarm) decide(d Decider) []events.Event {
	f.t.Helper()
	evs, err := d(f.st)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range evs {
		evs[i].Seq, evs[i].Time = f.st.Seq+1, f.now
		f.st.Apply(&evs[i])
	}
	f.log = append(f.log, evs...)
	if f.sink != nil && len(evs) > 0 {
		f.sink(evs...)
	}
	return evs
}

func (f *simFarm) beat(drone string) []events.Event {
	return f.decide(Heartbeat(f.r, f.now, drone, Beat{Health: "healthy", CPUPercent: 3, MemoryPercent: 20,
		DiskPercent: 40, Load: 0.1}, f.live, nil))
}

func (f *simFarm) beatTasks(drone string, tasks []TaskReport) {
	f.decide(Heartbeat(f.r, f.now, drone, Beat{Health: "healthy", CPUPercent: 90, Tasks: tasks}, f.live, nil))
}

func (f *simFarm) sweep() []events.Event { return f.decide(Maintain(f.r, f.now, f.since, f.live)) }

func (f *simFarm) claim(drone string) Grant {
	f.t.Helper()
	var g []Grant
	f.decide(Dispatch(f.r, f.now, []string{drone}, &g))
	if g[0].Atom == "" {
		f.t.Fatalf("%s got no work: %s", drone, g[0].Reason)
	}
	return g[0]
}

// count returns how many of evs are of each type.
func count(evs []events.Event) map[events.Type]int {
	n := make(map[events.Type]int)
	for _, e := range evs {
		n[e.Type]++
	}
	return n
}

// A simulated day of 15-second heartbeats and 5-second sweeps: an idle
// drone, and a drone whose one build runs all day making progress, each add
// under 300 events, and no lease_renewed; the long build is never
// reclaimed or stalled. (The loud log wrote a drone_health per beat, 5,760
// a day, and a lease_renewed per held build per beat.)
func TestQuietLogIdleDay(t *testing.T) {
	f := newSimFarm(t, DefaultRules())
	f.decide(Register(DroneInfo{ID: "idle", Cores: 4}, nil, nil))
	f.decide(Register(DroneInfo{ID: "busy", Cores: 4}, nil, nil))
	f.decide(Enqueue(ActorOperator, []string{"sys-devel/llvm-19.1.7"}))
	g := f.claim("busy")
	start, progress := len(f.log), uint64(0)
	day := f.now.Add(24 * time.Hour)
	for tick := 0; f.now.Before(day); tick++ {
		f.now = f.now.Add(5 * time.Second)
		if tick%3 == 0 {
			progress += 7
			f.beat("idle")
			f.beatTasks("busy", []TaskReport{{Atom: g.Atom, Fence: g.Fence, Progress: progress}})
		}
		f.sweep()
	}
	byDrone := map[string][]events.Event{}
	for _, e := range f.log[start:] {
		byDrone[e.Drone] = append(byDrone[e.Drone], e)
	}
	for _, id := range []string{"idle", "busy"} {
		if n := len(byDrone[id]); n >= 300 {
			t.Errorf("%s added %d events in a day (%v), want under 300", id, n, count(byDrone[id]))
		}
	}
	all := count(f.log[start:])
	if all[events.TypeLeaseRenewed] != 0 || all[events.TypeReclaimed] != 0 || all[events.TypeFailed] != 0 ||
		all[events.TypeDroneOffline] != 0 {
		t.Errorf("a day of live drones wrote %v", all)
	}
	if p, _ := f.st.Package(g.Atom); p.State != projections.Building || p.Drone != "busy" || p.Fence != g.Fence {
		t.Errorf("the day-long build after a day: %+v", p)
	}
	// Its recorded lease ran out a day ago; why says what holds it.
	w, err := Why(f.r, f.st, g.Atom, f.now)
	if err != nil || len(w.Reasons) != 1 || w.Reasons[0].Reason != "it is building on busy (attempt 1, held while busy is online and reports it)" {
		t.Errorf("why of the day-long build: %+v, %v", w, err)
	}
	if all[events.TypeDroneHealth] == 0 {
		t.Error("no resource sample in a day")
	}
}

// A health change is recorded at the beat that reports it, not at the next
// sample; so is a tree change.
func TestQuietLogRecordsChanges(t *testing.T) {
	f := newSimFarm(t, DefaultRules())
	f.decide(Register(DroneInfo{ID: "a"}, nil, nil))
	f.beat("a") // the first sample
	f.now = f.now.Add(15 * time.Second)
	if evs := f.beat("a"); len(evs) != 0 {
		t.Fatalf("an unchanged beat wrote %v", count(evs))
	}
	f.now = f.now.Add(15 * time.Second)
	evs := f.decide(Heartbeat(f.r, f.now, "a", Beat{Health: "degraded", MemoryPercent: 97}, f.live, nil))
	if len(evs) != 1 || evs[0].Type != events.TypeDroneHealth || evs[0].Health != "degraded" {
		t.Fatalf("a health change wrote %+v", evs)
	}
	f.now = f.now.Add(15 * time.Second)
	evs = f.decide(Heartbeat(f.r, f.now, "a", Beat{Health: "degraded", Tree: "tree-2"}, f.live, nil))
	if len(evs) != 1 || evs[0].Tree != "tree-2" {
		t.Fatalf("a tree change wrote %+v", evs)
	}
	f.now = f.now.Add(f.r.SampleEvery)
	if evs := f.decide(Heartbeat(f.r, f.now, "a", Beat{Health: "degraded"}, f.live, nil)); len(evs) != 1 {
		t.Fatalf("a beat SampleEvery after the last sample wrote %+v", evs)
	}
}

// The reclaim decisions, from memory: a killed drone's build is reclaimed
// when it goes offline (within the lease), with the reason in the event; a
// claim its live drone never reports (the answer was lost) lapses after the
// lease though the drone beats on; a restarted orchestrator (liveness lost)
// counts from its start and reclaims nothing at once.
func TestQuietLogReclaims(t *testing.T) {
	f := newSimFarm(t, DefaultRules())
	for _, id := range []string{"dead", "deaf"} {
		f.decide(Register(DroneInfo{ID: id}, nil, nil))
	}
	f.decide(Enqueue(ActorOperator, []string{"dev-libs/a-1", "dev-libs/b-1"}))
	gDead, gDeaf := f.claim("dead"), f.claim("deaf")
	claimed := f.now
	var reclaims []events.Event
	for f.now.Sub(claimed) < 2*f.r.Lease {
		f.now = f.now.Add(5 * time.Second)
		if f.now.Sub(claimed) < 20*time.Second { // then "dead" is killed
			f.beatTasks("dead", []TaskReport{{Atom: gDead.Atom, Fence: gDead.Fence, Progress: 1}})
		}
		f.beat("deaf") // beats on, never reporting its claim
		for _, e := range f.sweep() {
			if e.Type == events.TypeReclaimed {
				e.Time = f.now
				reclaims = append(reclaims, e)
			}
		}
	}
	if len(reclaims) != 2 {
		t.Fatalf("reclaims: %+v", reclaims)
	}
	dead, deaf := reclaims[0], reclaims[1]
	if dead.Atom != gDead.Atom || dead.Reason != "drone dead offline" || dead.Time.Sub(claimed) >= f.r.Lease {
		t.Errorf("the killed drone's build: %+v (%s after the claim, lease %s)", dead, dead.Time.Sub(claimed), f.r.Lease)
	}
	if deaf.Atom != gDeaf.Atom || deaf.Reason != "lease expired" || deaf.Time.Sub(claimed) <= f.r.Lease {
		t.Errorf("the unreported claim: %+v (%s after the claim)", deaf, deaf.Time.Sub(claimed))
	}

	// A restart: liveness is gone; the running build is not reclaimed at
	// once, and is kept while its drone reports it.
	f.decide(Enqueue(ActorOperator, []string{"dev-libs/c-1"}))
	g := f.claim("deaf")
	f.now = f.now.Add(10 * time.Minute) // the orchestrator was down
	f.live, f.since = NewLiveness(), f.now
	for range 100 {
		f.now = f.now.Add(5 * time.Second)
		f.beatTasks("deaf", []TaskReport{{Atom: g.Atom, Fence: g.Fence, Progress: uint64(f.now.Unix())}})
		if evs := f.sweep(); len(evs) != 0 {
			t.Fatalf("after a restart the sweep wrote %v", types(evs))
		}
	}
	if n := len(f.live.builds); n != 1 {
		t.Errorf("liveness keeps %d builds, want the 1 running", n)
	}
}

// An old log, with a drone_health per beat and lease_renewed per held
// build, folds as before: its renewals still hold the lease, so Maintain
// with no liveness reclaims nothing while they keep coming.
func TestQuietLogOldRenewals(t *testing.T) {
	f := newSimFarm(t, DefaultRules())
	f.decide(Register(DroneInfo{ID: "old"}, nil, nil))
	f.decide(Enqueue(ActorOperator, []string{"dev-libs/a-1"}))
	g := f.claim("old")
	for range 100 {
		f.now = f.now.Add(15 * time.Second)
		f.decide(func(*projections.State) ([]events.Event, error) {
			return []events.Event{
				{Type: events.TypeDroneHealth, Actor: "old", Drone: "old", Health: "healthy"},
				{Type: events.TypeLeaseRenewed, Actor: "old", Drone: "old", Atom: g.Atom, Fence: g.Fence, Lease: f.r.Lease}}, nil
		})
		if evs := f.decide(Maintain(f.r, f.now, f.since, nil)); len(evs) != 0 {
			t.Fatalf("an old log's renewed claim: %s", types(evs))
		}
	}
	f.now = f.now.Add(f.r.Lease + time.Second)
	if evs := f.decide(Maintain(f.r, f.now, f.since, nil)); !strings.Contains(types(evs), "reclaimed") {
		t.Fatalf("renewals stopped: %s", types(evs))
	}
}

// A farm recorded with the loud log (commit 748b38e: a drone_health per
// beat, a lease_renewed per held build per beat, 16 packages on four
// drones with completions, a grounding, an offline drone and reclaims;
// testdata/oldfarm/record.go.txt is how) replays to the same answers that
// code gave: `swarm replay --json`'s view, and `swarm why` of every package.
func TestQuietLogReplaysOldFarm(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "events"), 0o700); err != nil {
		t.Fatal(err)
	}
	seg := "00000000000000000001.seg"
	data, err := os.ReadFile(filepath.Join("testdata", "oldfarm", "events", seg))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "events", seg), data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(dir, StoreOptions{ReadOnly: true, SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := DefaultRules()
	r.Heartbeat, r.Lease, r.StallAfter = 100*time.Millisecond, 4*time.Second, 10*time.Second
	whys := map[string]WhyAnswer{}
	for _, row := range st.QueueList("") {
		if whys[row.Atom], err = Why(r, st, row.Atom, st.Time); err != nil {
			t.Fatal(err)
		}
	}
	got, err := json.MarshalIndent(map[string]any{"view": st.View(), "why": whys}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "oldfarm", "answers.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(append(got, '\n')) != string(want) {
		t.Errorf("the recorded farm replays differently:\n got %s\nwant %s", got, want)
	}
}

// Stalls are judged from the progress heartbeats report, kept in memory: a
// build whose counter stops growing is failed as stalled StallAfter after
// its last growth, though its drone beats on; until then it is left alone.
func TestQuietLogStall(t *testing.T) {
	f := newSimFarm(t, DefaultRules())
	f.decide(Register(DroneInfo{ID: "a"}, nil, nil))
	f.decide(Enqueue(ActorOperator, []string{"dev-libs/a-1"}))
	g := f.claim("a")
	var grew time.Time
	for i := 0; ; i++ {
		f.now = f.now.Add(15 * time.Second)
		progress := uint64(min(i, 40)) // grows for ten minutes, then stops
		if i <= 40 {
			grew = f.now
		}
		f.beatTasks("a", []TaskReport{{Atom: g.Atom, Fence: g.Fence, Progress: progress}})
		evs := f.sweep()
		if len(evs) == 0 {
			if f.now.Sub(grew) > f.r.StallAfter+time.Minute {
				t.Fatalf("no stall %s after the last progress", f.now.Sub(grew))
			}
			continue
		}
		if evs[0].Type != events.TypeFailed || evs[0].Signature != projections.SignatureStalled {
			t.Fatalf("the sweep wrote %+v", evs)
		}
		if since := f.now.Sub(grew); since <= f.r.StallAfter {
			t.Fatalf("stalled %s after the last progress, StallAfter is %s", since, f.r.StallAfter)
		}
		return
	}
}
