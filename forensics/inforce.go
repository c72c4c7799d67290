package forensics

import (
	"fmt"
	"strings"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
)

// inForce follows the settings the log records (config_changed): the
// rules then in force become the recorded ones, and the what-if's
// settings apply over them. A what-if so asks "these settings instead of
// those in force at each moment", not "instead of today's config.toml".
// Only decision rules (commands.RuleSetting) are applied; a key the
// what-if sets stays the what-if's throughout.
func (s *sim) inForce(e *events.Event) {
	if s.w.Base == nil {
		return
	}
	text := s.w.Base
	var changed []string
	for _, kv := range s.rec.Settings() {
		k, v, _ := strings.Cut(kv, "=")
		if !commands.RuleSetting(k) {
			continue
		}
		out, err := config.Set(text, k, v)
		if err != nil {
			s.ruleNote(e, fmt.Sprintf("recorded %s=%s not applied: %v", k, v, err))
			continue
		}
		text = out
	}
	first := 0 // rules recorded for the first time
	for i, kv := range e.Settings {
		if k, _, _ := strings.Cut(kv, "="); commands.RuleSetting(k) && i < len(e.Was) {
			if strings.HasSuffix(e.Was[i], "=") {
				first++
				continue
			}
			changed = append(changed, config.DescribeChanges([]string{kv}, []string{e.Was[i]}, 1))
		}
	}
	if first > 0 {
		changed = append(changed, fmt.Sprintf("%d decision rules recorded for the first time", first))
	}
	if len(changed) == 0 {
		return
	}
	recorded, tried, err := rulesOf(text, s.w.Tried)
	if err != nil {
		s.ruleNote(e, "recorded settings not applied: "+err.Error())
		return
	}
	s.w.Recorded, s.w.Rules = recorded, tried
	s.rules = simRules(tried)
	s.ruleNote(e, "rules in force: "+strings.Join(changed, ", "))
}

// rulesOf returns the rules of a config text, and those with tried's
// key=value settings over it.
func rulesOf(text []byte, tried []string) (recorded, what commands.Rules, err error) {
	cfg, err := config.Parse(text)
	if err != nil {
		return recorded, what, err
	}
	withTried, err := WithSettings(text, tried)
	if err != nil {
		return recorded, what, err
	}
	newCfg, err := config.Parse(withTried)
	if err != nil {
		return recorded, what, err
	}
	return commands.RulesFrom(cfg), commands.RulesFrom(newCfg), nil
}

func (s *sim) ruleNote(e *events.Event, note string) {
	s.ruleNotes = append(s.ruleNotes, fmt.Sprintf("seq %d: %s", e.Seq, note))
}
