package commands

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// claimed returns a store where drone d1 holds a claim on atom, and its fence.
func claimedStore(t *testing.T, atom string) (*Store, uint64) {
	t.Helper()
	s := openStore(t, t.TempDir())
	exec(t, s, Enqueue(ActorOperator, []string{atom}))
	exec(t, s, Register(DroneInfo{ID: "d1", Cores: 4}, nil, nil))
	out := exec(t, s, Claim(DefaultRules(), time.Now(), "d1", atom))
	return s, out.Events[0].Fence
}

func TestPromoteAllocatesBuildIDs(t *testing.T) {
	const atom = "app-misc/hello-1.0"
	s, fence := claimedStore(t, atom)
	st, _ := s.Load(context.Background())
	if err := UploadAllowed(st, "d1", atom, fence); err != nil {
		t.Fatalf("upload under the live fence: %v", err)
	}
	if err := UploadAllowed(st, "d1", atom, fence+1); !errors.Is(err, ErrStaleFence) {
		t.Fatalf("upload under another fence: %v, want ErrStaleFence", err)
	}
	pr := Promotion{Upload: Binpkg{SHA256: "aa", Size: 5}, CPV: atom, BuildID: st.NextBuildID(atom), Path: "p", FileSHA256: "bb", Size: 7, Entry: "CPV: " + atom + "\n"}
	out := exec(t, s, Promote("d1", atom, fence, pr))
	if len(out.Events) != 2 || out.Events[0].Type != events.TypeBinpkgUploaded || out.Events[1].Type != events.TypePromoted ||
		out.Events[1].BuildID != 1 || out.Events[1].FileSHA256 != "bb" || out.Events[1].SHA256 != "aa" {
		t.Fatalf("events: %+v", out.Events)
	}
	if got := out.State.NextBuildID(atom); got != 2 {
		t.Fatalf("next BUILD_ID %d, want 2", got)
	}
	// An allocation that lost a race is refused; nothing is appended.
	seq := out.State.Seq
	if _, err := s.Execute(context.Background(), Promote("d1", atom, fence, pr)); !errors.Is(err, ErrBuildIDTaken) {
		t.Fatalf("reused BUILD_ID: %v, want ErrBuildIDTaken", err)
	}
	if st, _ := s.Load(context.Background()); st.Seq != seq {
		t.Fatal("a refused promotion appended")
	}
}

func TestRejectTakesThePackageBack(t *testing.T) {
	const atom = "app-misc/hello-1.0"
	s, fence := claimedStore(t, atom)
	r := DefaultRules()
	out := exec(t, s, Reject(r, time.Now(), "d1", atom, fence, "sha256", "got x, the drone said y", Binpkg{SHA256: "y", Size: 3}))
	if len(out.Events) != 2 || out.Events[0].Type != events.TypeRejected || out.Events[0].Signature != "sha256" ||
		out.Events[1].Type != events.TypeFailed || out.Events[1].Signature != "rejected-sha256" ||
		out.Events[1].Actor != ActorOrchestrator {
		t.Fatalf("events: %+v", out.Events)
	}
	p, _ := out.State.Package(atom)
	if p.State != projections.Needed || p.Attempts != 1 {
		t.Fatalf("package %s after %d attempts, want needed after 1", p.State, p.Attempts)
	}
	if d, _ := out.State.Drone("d1"); len(d.Streak) != 1 {
		t.Fatalf("d1's streak %v: a rejection is a strike on the drone that made the package", d.Streak)
	}
	// The drone's fence is stale now: a second rejection or a promotion is refused.
	if _, err := s.Execute(context.Background(), Reject(r, time.Now(), "d1", atom, fence, "sha256", "", Binpkg{})); err == nil {
		t.Fatal("a rejection under a stale fence was accepted")
	}
}

func TestAtomCPV(t *testing.T) {
	for atom, want := range map[string]string{"app-misc/hello-1.0": "app-misc/hello-1.0", "=dev-qt/qtcore-5.9.4:5::gentoo": "dev-qt/qtcore-5.9.4"} {
		if got, err := AtomCPV(atom); err != nil || got != want {
			t.Errorf("AtomCPV(%q) = %q, %v; want %q", atom, got, err, want)
		}
	}
}
