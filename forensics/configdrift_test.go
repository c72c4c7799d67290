package forensics

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
)

// driftFarm records a farm whose serve started with ground_after=5, whose
// operator then set ground_after=2, and whose drone a then failed twice
// and was grounded under it. Today's config.toml (base) says 5 again: the
// operator changed it back by hand, unrecorded.
func driftFarm(t *testing.T) (f *farm, base []byte) {
	base, err := config.Set(config.Template(), "farm.ground_after", "5")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	r := commands.RulesFrom(cfg)
	r.SystemicFraction = 0
	f = newFarm(t, r)
	f.do(commands.RecordConfig(commands.ActorOrchestrator, "serve started with these settings", nil, config.Flatten(cfg)))
	f.register("a", "b")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/x-1", "dev-libs/y-1", "dev-libs/z-1"}))
	cfg.Farm.GroundAfter, cfg.Farm.SystemicFraction = 2, 0
	edited := config.Flatten(cfg)
	f.do(commands.RecordConfig(commands.ActorOperator, "swarm config set farm.ground_after", nil, edited))
	f.rules.GroundAfter = 2 // the server reloads config.toml
	f.fail("a", "dev-libs/x-1", "compile-error")
	f.fail("a", "dev-libs/y-1", "compile-error")
	if n := f.count(events.TypeGrounded); n != 1 {
		t.Fatalf("fixture: %d groundings, want a's", n)
	}
	return f, base
}

// TestFindConfigChange: a change to a decision rule is an incident with
// what the farm decided under it; the first record of the settings is not.
func TestFindConfigChange(t *testing.T) {
	f, _ := driftFarm(t)
	in := only(t, find(t, f), KindConfigChange)
	if !strings.Contains(in.Summary, "farm.ground_after 5 → 2") || !strings.Contains(in.Summary, "swarm config set") {
		t.Errorf("summary %q", in.Summary)
	}
	if !slices.ContainsFunc(in.Timeline, func(s Step) bool { return s.Type == "grounded" && s.Drone == "a" }) {
		t.Errorf("timeline %+v; want a's grounding that followed", in.Timeline)
	}
}

// TestWhatIfFollowsTheRulesInForce: with the recorded settings, the
// history is decided by the rules in force at each point (ground_after
// 2 then), not by today's config.toml (5): the same decisions. Without
// them (the old way) a's grounding seemed not to happen.
func TestWhatIfFollowsTheRulesInForce(t *testing.T) {
	f, base := driftFarm(t)
	cfg, _ := config.Parse(base)
	today := commands.RulesFrom(cfg)
	run := func(w WhatIf) WhatIfReport {
		rep, err := w.Run(context.Background(), f, 0)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := run(WhatIf{Recorded: today, Rules: today, Base: base})
	if rep.WhatIf.Groundings != 1 || len(rep.Differences) != 0 {
		t.Errorf("settings in force: %+v, differences %q; want a's grounding, as recorded", rep.WhatIf, rep.Differences)
	}
	if !slices.ContainsFunc(rep.RulesInForce, func(s string) bool { return strings.Contains(s, "farm.ground_after 5 → 2") }) {
		t.Errorf("rules in force %q; want the change to 2", rep.RulesInForce)
	}
	old := run(WhatIf{Recorded: today, Rules: today})
	if old.WhatIf.Groundings != 0 {
		t.Fatalf("without the recorded settings: %+v (the test shows nothing)", old.WhatIf)
	}
	higher := run(WhatIf{Recorded: today, Rules: today, Base: base, Tried: []string{"ground_after=3"}})
	if higher.WhatIf.Groundings != 0 {
		t.Errorf("ground_after=3 over the rules in force: %+v; want no grounding", higher.WhatIf)
	}
}
