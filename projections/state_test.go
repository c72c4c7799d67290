package projections

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// feed applies evs to s, numbering them after s.Seq and, where a test left
// Time zero, spacing them a minute apart from t0.
func feed(s *State, evs ...events.Event) *State {
	for _, e := range evs {
		e.Seq = s.Seq + 1
		if e.Time.IsZero() {
			e.Time = t0.Add(time.Duration(e.Seq) * time.Minute)
		}
		s.Apply(&e)
	}
	return s
}

func ev(t events.Type, atom, drone string, fence uint64) events.Event {
	actor := drone
	if actor == "" {
		actor = "operator"
	}
	return events.Event{Type: t, Actor: actor, Atom: atom, Drone: drone, Fence: fence, Lease: time.Minute}
}

func register(id string) events.Event {
	return events.Event{Type: events.TypeDroneRegistered, Actor: id, Drone: id, Cores: 16, MemoryMB: 32768}
}

const atomA, atomB = "sys-devel/llvm-19.1.7", "dev-lang/perl-5.40.0-r1"

func mustPackage(t *testing.T, s *State, atom string) Package {
	t.Helper()
	p, ok := s.Package(atom)
	if !ok {
		t.Fatalf("package %s missing", atom)
	}
	return p
}

func TestClaimCompleteLifecycle(t *testing.T) {
	s := feed(New(), register("d1"), ev(events.TypeEnqueued, atomA, "", 0),
		ev(events.TypeClaimed, atomA, "d1", 7))
	p := mustPackage(t, s, atomA)
	if p.State != Building || p.Drone != "d1" || p.Fence != 7 || !p.LeaseUntil.Equal(s.Time.Add(time.Minute)) {
		t.Fatalf("after claim: %+v", p)
	}
	if d, _ := s.Drone("d1"); !slices.Equal(d.Tasks, []string{atomA}) || d.StatusAt(s.Time) != DroneBuilding {
		t.Fatalf("drone after claim: %+v", d)
	}
	feed(s, ev(events.TypeLeaseRenewed, atomA, "d1", 7))
	if p := mustPackage(t, s, atomA); !p.LeaseUntil.Equal(s.Time.Add(time.Minute)) {
		t.Fatalf("renewal did not extend the lease: %v at %v", p.LeaseUntil, s.Time)
	}
	feed(s, ev(events.TypeCompleted, atomA, "d1", 7))
	p = mustPackage(t, s, atomA)
	if p.State != Built || p.Drone != "" || p.BuiltBy != "d1" || p.BuiltSeq != s.Seq || !p.LeaseUntil.IsZero() {
		t.Fatalf("after complete: %+v", p)
	}
	if d, _ := s.Drone("d1"); len(d.Tasks) != 0 || d.StatusAt(s.Time) != DroneIdle {
		t.Fatalf("drone after complete: %+v", d)
	}
	if st := s.Status(); st.Queue.Built != 1 || st.RatePerHour != 1 || st.Drones.Building != 0 {
		t.Fatalf("status: %+v", st)
	}
}

// The incident: a failure, then a success on another drone, must leave the
// package built, not queued.
func TestFailThenSucceedIsBuilt(t *testing.T) {
	s := feed(New(), register("d1"), register("d2"), ev(events.TypeEnqueued, atomA, "", 0),
		ev(events.TypeClaimed, atomA, "d1", 1))
	fail := ev(events.TypeFailed, atomA, "d1", 1)
	fail.Signature = "slot-conflict"
	feed(s, fail)
	p := mustPackage(t, s, atomA)
	if p.State != Needed || p.Attempts != 1 || p.LastFailure != "slot-conflict" || !slices.Equal(p.FailedOn, []string{"d1"}) {
		t.Fatalf("after failure: %+v", p)
	}
	feed(s, ev(events.TypeClaimed, atomA, "d2", 2), ev(events.TypeCompleted, atomA, "d2", 2))
	p = mustPackage(t, s, atomA)
	if p.State != Built || p.Attempts != 1 || p.BuiltBy != "d2" {
		t.Fatalf("after success: %+v", p)
	}
	if st := s.Status(); st.Queue != (QueueCounts{Built: 1}) {
		t.Fatalf("queue counts: %+v", st.Queue)
	}
	d1, _ := s.Drone("d1")
	d2, _ := s.Drone("d2")
	if d1.ConsecutiveFailures() != 1 || d2.ConsecutiveFailures() != 0 {
		t.Fatalf("consecutive failures: d1 %d, d2 %d", d1.ConsecutiveFailures(), d2.ConsecutiveFailures())
	}
}

func TestFinalFailureAndReEnqueue(t *testing.T) {
	fail := ev(events.TypeFailed, atomA, "d1", 1)
	fail.Reason, fail.Final = "exit status 1", true
	s := feed(New(), register("d1"), ev(events.TypeEnqueued, atomA, "", 0),
		ev(events.TypeClaimed, atomA, "d1", 1), fail)
	if p := mustPackage(t, s, atomA); p.State != Failed || p.LastFailure != "exit status 1" {
		t.Fatalf("after final failure: %+v", p)
	}
	feed(s, ev(events.TypeEnqueued, atomA, "", 0))
	if p := mustPackage(t, s, atomA); p.State != Needed || p.Attempts != 1 || p.EnqueuedSeq != 2 {
		t.Fatalf("after re-enqueue: %+v", p)
	}
}

func TestReturnReclaimDequeue(t *testing.T) {
	byDrone := ev(events.TypeReturned, atomA, "d1", 0) // no fence: by the claimant's id
	s := feed(New(), register("d1"), ev(events.TypeEnqueued, atomA, "", 0), ev(events.TypeEnqueued, atomB, "", 0),
		ev(events.TypeClaimed, atomA, "d1", 1), ev(events.TypeClaimed, atomB, "d1", 2), byDrone)
	if p := mustPackage(t, s, atomA); p.State != Needed || p.Attempts != 0 || !slices.Equal(p.ReturnedBy, []string{"d1"}) {
		t.Fatalf("after return: %+v", p)
	}
	feed(s, ev(events.TypeReclaimed, atomB, "", 0))
	if p := mustPackage(t, s, atomB); p.State != Needed || p.Drone != "" {
		t.Fatalf("after reclaim: %+v", p)
	}
	feed(s, ev(events.TypeClaimed, atomB, "d1", 3), ev(events.TypeDequeued, atomB, "", 0))
	if _, ok := s.Package(atomB); ok {
		t.Fatal("dequeued package still listed")
	}
	if d, _ := s.Drone("d1"); len(d.Tasks) != 0 {
		t.Fatalf("dequeued package still a task: %v", d.Tasks)
	}
	if st := s.Status(); st.Queue != (QueueCounts{Needed: 1}) || st.Drones.Building != 0 {
		t.Fatalf("status: %+v", st)
	}
}

// fingerprint is the whole State in bytes, as a snapshot would hold it.
func fingerprint(s *State) []byte { return appendState(nil, s) }

func TestUnfitEventsChangeNothing(t *testing.T) {
	setup := []events.Event{register("d1"), register("d2"), ev(events.TypeEnqueued, atomA, "", 0),
		ev(events.TypeEnqueued, atomB, "", 0), ev(events.TypeClaimed, atomB, "d2", 3),
		ev(events.TypeReclaimed, atomB, "", 3), ev(events.TypeClaimed, atomA, "d1", 5)}
	failedOnD2 := ev(events.TypeFailed, atomA, "d2", 5)
	failedOnD2.Signature = "x"
	unfit := map[string]events.Event{
		"claim unknown atom":           ev(events.TypeClaimed, "no/such-1", "d1", 9),
		"claim by unknown drone":       ev(events.TypeClaimed, atomB, "d9", 9),
		"claim of a building package":  ev(events.TypeClaimed, atomA, "d2", 9),
		"claim with an old fence":      ev(events.TypeClaimed, atomB, "d2", 3),
		"complete with a stale fence":  ev(events.TypeCompleted, atomA, "d1", 4),
		"complete by another drone":    ev(events.TypeCompleted, atomA, "d2", 5),
		"complete a needed package":    ev(events.TypeCompleted, atomB, "d1", 5),
		"fail by another drone":        failedOnD2,
		"renew with a stale fence":     ev(events.TypeLeaseRenewed, atomA, "d1", 6),
		"return by another drone":      ev(events.TypeReturned, atomA, "d2", 0),
		"return with a stale fence":    ev(events.TypeReturned, atomA, "d1", 3),
		"reclaim with a stale fence":   ev(events.TypeReclaimed, atomA, "", 3),
		"reclaim a needed package":     ev(events.TypeReclaimed, atomB, "", 0),
		"dequeue unknown atom":         ev(events.TypeDequeued, "no/such-1", "", 0),
		"re-enqueue a building one":    ev(events.TypeEnqueued, atomA, "", 0),
		"health of an unknown drone":   {Type: events.TypeDroneHealth, Actor: "d9", Drone: "d9", Health: "critical"},
		"offline of an unknown drone":  {Type: events.TypeDroneOffline, Actor: "orchestrator", Drone: "d9"},
		"resume while not paused":      {Type: events.TypeQueueResumed, Actor: "operator"},
		"include what is not excluded": {Type: events.TypeIncluded, Actor: "operator", Pattern: "sys-devel/*"},
		"enqueue without an atom":      {Type: events.TypeEnqueued, Actor: "operator"},
		"an unknown event type":        {Type: events.Type(200), Actor: "d1", Drone: "d1", Atom: atomA},
	}
	for name, bad := range unfit {
		t.Run(name, func(t *testing.T) {
			s := feed(New(), setup...)
			before := s.Clone()
			feed(s, bad)
			if s.Seq != before.Seq+1 {
				t.Fatalf("seq %d, want %d", s.Seq, before.Seq+1)
			}
			before.Seq, before.Time = s.Seq, s.Time
			if !bytes.Equal(fingerprint(before), fingerprint(s)) {
				t.Fatalf("state changed:\nbefore %+v\nafter  %+v", before.QueueList(""), s.QueueList(""))
			}
		})
	}
}

// TestSettingsFoldAndSnapshot: config_changed events fold into the
// settings last recorded (an empty value unsets a key), a clone does not
// share them, and a snapshot keeps them.
func TestSettingsFoldAndSnapshot(t *testing.T) {
	s := New()
	s.Apply(&events.Event{Seq: 1, Type: events.TypeConfigChanged, Settings: []string{"farm.ground_after=5", "drones.a.slots=1"}})
	s.Apply(&events.Event{Seq: 2, Type: events.TypeConfigChanged, Settings: []string{"farm.ground_after=2", "drones.a.slots="}})
	want := []string{"farm.ground_after=2"}
	if got := s.Settings(); !slices.Equal(got, want) {
		t.Fatalf("settings %v, want %v", got, want)
	}
	c := s.Clone()
	c.Apply(&events.Event{Seq: 3, Type: events.TypeConfigChanged, Settings: []string{"farm.ground_after=9"}})
	if got := s.Settings(); !slices.Equal(got, want) {
		t.Fatalf("a clone's change leaked: %v", got)
	}
	back, err := decodeState(appendState(nil, s))
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Settings(); !slices.Equal(got, want) {
		t.Fatalf("after a snapshot: %v, want %v", got, want)
	}
}
