package forensics

import (
	"fmt"
	"strings"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
)

// followSteps bounds the decisions a rule change's timeline shows after
// it.
const followSteps = 8

// configured follows config_changed events: a change to a decision rule
// (commands.RuleSetting) that had a recorded value is an incident, told
// with the farm's decisions that followed under it (groundings, pauses,
// reclaims, packages failed for good), until the rules change again. A
// first record of the settings (serve's first start) changes nothing.
func (f *Finder) configured(e *events.Event) {
	var now, was []string
	for i, kv := range e.Settings {
		k, _, _ := strings.Cut(kv, "=")
		if i < len(e.Was) && commands.RuleSetting(k) && !strings.HasSuffix(e.Was[i], "=") {
			now, was = append(now, kv), append(was, e.Was[i])
		}
	}
	if len(now) == 0 {
		return
	}
	if f.rules != nil {
		f.rules.add(e)
		f.rules.resolve(e, "the rules changed again")
	}
	in := f.open(KindConfigChange, e, fmt.Sprintf("decision rules changed by %s (%s): %s",
		e.Actor, orNone(e.Reason), config.DescribeChanges(now, was, 4)))
	in.add(e)
	f.rules, f.ruleSteps = in, 0
}

// underRules adds e to the open rule change when it is one of the farm's
// decisions.
func (f *Finder) underRules(e *events.Event) {
	if f.rules == nil || f.ruleSteps >= followSteps || e.Actor != commands.ActorOrchestrator {
		return
	}
	switch {
	case e.Type == events.TypeGrounded, e.Type == events.TypeQueuePaused, e.Type == events.TypeReclaimed,
		e.Type == events.TypeFailed && e.Final:
	default:
		return
	}
	f.rules.add(e)
	f.ruleSteps++
	if f.ruleSteps == followSteps {
		f.rules.Summary += fmt.Sprintf("; the first %d decisions after it shown", followSteps)
	}
}
