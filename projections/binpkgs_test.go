package projections

import (
	"reflect"
	"testing"

	"github.com/swarm-build/swarm/events"
)

func promotedEv(atom, cpv string, id uint64) events.Event {
	return events.Event{Type: events.TypePromoted, Actor: "orchestrator", Atom: atom, Drone: "d1", CPV: cpv,
		BuildID: id, Path: "app-misc/hello/hello-1.0-x.gpkg.tar", FileSHA256: "ab", Size: 10, Entry: "CPV: " + cpv + "\n"}
}

func TestBuildIDsCountPerCPV(t *testing.T) {
	s := New()
	if got := s.NextBuildID("app-misc/hello-1.0"); got != 1 {
		t.Fatalf("first BUILD_ID %d, want 1", got)
	}
	feed(s, promotedEv("app-misc/hello-1.0", "app-misc/hello-1.0", 1), promotedEv("app-misc/hello-1.0", "app-misc/hello-1.0", 2),
		promotedEv("app-misc/greeter-2.1", "app-misc/greeter-2.1", 1))
	if got := s.NextBuildID("app-misc/hello-1.0"); got != 3 {
		t.Errorf("hello's next BUILD_ID %d, want 3", got)
	}
	if got := s.NextBuildID("app-misc/greeter-2.1"); got != 2 {
		t.Errorf("greeter's next BUILD_ID %d, want 2", got)
	}
	// A BUILD_ID not past the last one does not fit and changes nothing.
	before := len(s.Builds())
	feed(s, promotedEv("app-misc/hello-1.0", "app-misc/hello-1.0", 2))
	if got := len(s.Builds()); got != before {
		t.Errorf("a reused BUILD_ID was recorded: %d builds, want %d", got, before)
	}
	bs := s.Builds()
	if len(bs) != 3 || bs[0].CPV != "app-misc/greeter-2.1" || bs[1].BuildID != 1 || bs[2].BuildID != 2 {
		t.Fatalf("builds: %+v", bs)
	}
	if s.LastPromoted() != bs[0].Seq { // greeter's, promoted last
		t.Errorf("last promoted %d, want %d", s.LastPromoted(), bs[0].Seq)
	}
	// The snapshot keeps them.
	back, err := decodeState(appendState(nil, s))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Builds(), bs) || back.LastPromoted() != s.LastPromoted() || back.NextBuildID("app-misc/hello-1.0") != 3 {
		t.Fatalf("after a snapshot: %+v", back.Builds())
	}
}
