package forensics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
)

func runWhatIf(t *testing.T, f *farm, try func(*commands.Rules)) WhatIfReport {
	t.Helper()
	r := f.rules
	try(&r)
	rep, err := WhatIf{Recorded: f.rules, Rules: r}.Run(context.Background(), f, 0)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestWhatIfHigherThresholdGroundsFewer(t *testing.T) {
	f := stormFarm(t)
	same := runWhatIf(t, f, func(*commands.Rules) {})
	if same.WhatIf.Groundings != 3 || same.Recorded.Groundings != 3 || len(same.Differences) != 0 {
		t.Fatalf("the recorded settings must reproduce the recording: %+v", same)
	}
	rep := runWhatIf(t, f, func(r *commands.Rules) { r.GroundAfter = 3 })
	if rep.WhatIf.Groundings != 0 {
		t.Errorf("ground_after=3: %d groundings, want none (two failures each)", rep.WhatIf.Groundings)
	}
	if !strings.Contains(strings.Join(rep.Differences, "\n"), "a grounded: once recorded, 0 times what-if") {
		t.Errorf("differences do not name a: %q", rep.Differences)
	}
}

func TestWhatIfSystemicRulePausesInsteadOfGrounding(t *testing.T) {
	f := stormFarm(t)
	rep := runWhatIf(t, f, func(r *commands.Rules) { r.SystemicFraction = 0.5 })
	if rep.WhatIf.Groundings != 0 || rep.WhatIf.Pauses != 1 {
		t.Errorf("systemic_fraction=0.5: %d groundings, %d pauses; want 0 and 1", rep.WhatIf.Groundings, rep.WhatIf.Pauses)
	}
	if rep.WhatIf.RefusedClaims == 0 || rep.WhatIfMakespanS != nil {
		t.Errorf("claims after the pause should be refused and the makespan left unsimulated: %+v", rep)
	}
}

func TestWhatIfShorterLease(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/x-1"}))
	fence := f.claim("a", "dev-libs/x-1")
	for range 3 { // renewals every 45s: within 60s, not within 30s
		f.tick(45 * time.Second)
		f.beat("a", 1)
		f.maintain()
	}
	f.do(commands.Complete("a", "dev-libs/x-1", fence, commands.Binpkg{}))
	rep := runWhatIf(t, f, func(r *commands.Rules) { r.Lease = 30 * time.Second })
	if rep.Recorded.Reclaims != 0 || rep.WhatIf.Reclaims != 1 || rep.WhatIf.Built != 0 {
		t.Errorf("lease=30s: %+v", rep)
	}
	same := runWhatIf(t, f, func(*commands.Rules) {})
	if same.WhatIf.Reclaims != 0 || same.WhatIf.Built != 1 || same.WhatIfMakespanS == nil || *same.WhatIfMakespanS != same.MakespanS {
		t.Errorf("recorded settings: %+v", same)
	}
}

// TestWhatIfQuietLogTakesLapsesAsRecorded: a log from a server that renews
// leases without recording it (issue 10) cannot say when a claim would
// have lapsed: a shorter lease changes nothing, the recorded lapse stands,
// and the report says so.
func TestWhatIfQuietLogTakesLapsesAsRecorded(t *testing.T) {
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	f.do(commands.Enqueue(commands.ActorOperator, []string{"dev-libs/x-1", "dev-libs/y-1"}))
	fence := f.claim("a", "dev-libs/x-1")
	f.claim("b", "dev-libs/y-1")
	f.tick(5 * time.Minute)
	f.do(commands.Reclaim("dev-libs/y-1", "lease expired"))
	f.do(commands.Complete("a", "dev-libs/x-1", fence, commands.Binpkg{}))
	rep := runWhatIf(t, f, func(r *commands.Rules) { r.Lease = 30 * time.Second })
	if rep.Recorded.Reclaims != 1 || rep.WhatIf.Reclaims != 1 || rep.WhatIf.Built != 1 {
		t.Errorf("lease=30s on a quiet log: %+v", rep)
	}
	if !strings.Contains(strings.Join(rep.AsRecorded, "\n"), "records no lease renewals") {
		t.Errorf("the report does not say lapses were taken as recorded: %q", rep.AsRecorded)
	}
}
