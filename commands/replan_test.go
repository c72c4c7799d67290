package commands

import (
	"context"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// TestLearnReplansTheQueue: build times imported after a fresh reach the
// dispatch order of what is already queued (issue 12); importing the same
// times again appends nothing.
func TestLearnReplansTheQueue(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir())
	plan := FreshPlan{Tree: "t1", Builds: []FreshPackage{
		{Atom: "app-misc/small-1"}, {Atom: "sys-devel/llvm-19"}, {Atom: "app-misc/uses-llvm-1", Deps: []int{1}},
	}}
	exec(t, s, Fresh(ActorOperator, plan, Routing{}, nil))
	first := func() string {
		st, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for p := range st.Needed() {
			return p.Atom
		}
		return ""
	}
	// With no history every build is as long: the chain (llvm, then its
	// dependent) is longest, so llvm goes first already; make small long.
	out := exec(t, s, Learn(ActorOperator, "emerge.log", map[string]time.Duration{"app-misc/small": 5 * time.Hour, "sys-devel/llvm": time.Hour}))
	var re []events.Event
	for _, e := range out.Events {
		if e.Type == events.TypeReprioritized {
			re = append(re, e)
		}
	}
	if len(re) == 0 {
		t.Fatalf("no reprioritized events among %+v", out.Events)
	}
	if got := first(); got != "app-misc/small-1" {
		t.Fatalf("first offered %q, want app-misc/small-1 (5 h of work beats a 1 h chain)", got)
	}
	st, _ := s.Load(ctx)
	if p, _ := st.Package("sys-devel/llvm-19"); p.Priority != 2*time.Hour {
		t.Fatalf("llvm priority %v, want 2h (itself, and its dependent at the median of what is known)", p.Priority)
	}
	if out := exec(t, s, Learn(ActorOperator, "emerge.log", map[string]time.Duration{"app-misc/small": 5 * time.Hour})); len(out.Events) != 0 {
		t.Fatalf("the same times again appended %+v", out.Events)
	}
}
