package forensics

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// TestFindDuplicateClaim: a's claim is reclaimed and given to b; a's late
// heartbeat and completion are refused by the fence. One incident names
// the package, both drones and a's refused reports, and b's build ends it.
func TestFindDuplicateClaim(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	const atom = "dev-libs/x-1"
	f.do(commands.Enqueue(commands.ActorOperator, []string{atom}))
	old := f.claim("a", atom)
	f.tick(time.Minute)
	f.do(commands.Reclaim(atom, "lease expired"))
	fence := f.claim("b", atom)
	f.tick(time.Second)
	f.do(commands.RefuseReport("heartbeat", atom, "a", old))
	f.do(commands.RefuseReport("complete", atom, "a", old))
	if n := f.count(events.TypeReportRefused); n != 2 {
		t.Fatalf("fixture: %d refused reports recorded, want 2", n)
	}
	f.tick(time.Minute)
	f.do(commands.Complete("b", atom, fence, commands.Binpkg{}))

	in := only(t, find(t, f), KindDuplicateClaim)
	if !slices.Equal(in.Drones, []string{"a", "b"}) || !slices.Equal(in.Atoms, []string{atom}) {
		t.Errorf("names drones %v, atoms %v; want a and b, %s", in.Drones, in.Atoms, atom)
	}
	if !strings.Contains(in.Summary, "claimed by a and then by b") || !strings.Contains(in.Summary, "fence ") {
		t.Errorf("summary %q", in.Summary)
	}
	var types []string
	for _, s := range in.Timeline {
		types = append(types, s.Type)
	}
	want := []string{"claimed", "reclaimed", "claimed", "report_refused", "report_refused", "completed"}
	if !slices.Equal(types, want) {
		t.Errorf("timeline %v, want %v:\n%+v", types, want, in.Timeline)
	}
	if !strings.Contains(in.Timeline[4].Text, "a's complete with stale fence") || in.Resolution != "built once, by b" {
		t.Errorf("refusal %q, resolution %q", in.Timeline[4].Text, in.Resolution)
	}
}

// TestFindDuplicateClaimAfterTheBuild: the new holder finished before the
// old one's report arrived: the incident is resolved at once, by that
// build.
func TestFindDuplicateClaimAfterTheBuild(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	const atom = "dev-libs/x-1"
	f.do(commands.Enqueue(commands.ActorOperator, []string{atom}))
	old := f.claim("a", atom)
	f.do(commands.Reclaim(atom, "drone a offline"))
	f.build("b", atom)
	f.do(commands.RefuseReport("complete", atom, "a", old))
	in := only(t, find(t, f), KindDuplicateClaim)
	if in.Resolution != "built once, by b" || !slices.ContainsFunc(in.Timeline, func(s Step) bool { return s.Type == "completed" && s.Seq == in.ResolvedSeq }) {
		t.Errorf("resolution %q, timeline %+v", in.Resolution, in.Timeline)
	}
}

// TestFindRetried: a package failing on two drones before a third builds
// it is named with each attempt and its reason; one failure is not an
// incident. An atom that is not clean (a flag appended) is named too.
func TestFindRetried(t *testing.T) {
	r := commands.DefaultRules()
	r.FailAfterDrones = 5
	f := newFarm(t, r)
	f.register("a", "b", "c")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/x-1", "dev-libs/once-1"}))
	f.fail("a", "dev-libs/once-1", "compile-error")
	f.build("b", "dev-libs/once-1")
	f.fail("a", "dev-libs/x-1", "compile-error")
	f.fail("b", "dev-libs/x-1", "missing-dependency")
	f.build("c", "dev-libs/x-1")
	f.do(func(*projections.State) ([]events.Event, error) {
		return []events.Event{{Type: events.TypeEnqueued, Actor: "operator", Atom: "dev-libs/y-1 --retry-after-fix"}}, nil
	})
	got := find(t, f)
	var retried []Incident
	for _, in := range got {
		if in.Kind == KindRetried {
			retried = append(retried, in)
		}
	}
	if len(retried) != 2 {
		t.Fatalf("want 2 retried incidents, got %+v", retried)
	}
	in := retried[0]
	if !slices.Equal(in.Atoms, []string{"dev-libs/x-1"}) || !strings.Contains(in.Summary, "failed 2 times") ||
		!strings.Contains(in.Summary, "compile-error on a") || !strings.Contains(in.Summary, "missing-dependency on b") {
		t.Errorf("retried: %+v", in)
	}
	if !strings.HasPrefix(in.Resolution, "built again") || in.Timeline[len(in.Timeline)-1].Type != "completed" {
		t.Errorf("resolution %q, timeline %+v", in.Resolution, in.Timeline)
	}
	if !strings.Contains(retried[1].Summary, "not a clean package atom") {
		t.Errorf("unclean atom: %+v", retried[1])
	}
}
