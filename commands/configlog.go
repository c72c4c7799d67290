package commands

import (
	"strings"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// The field's drift: ports, addresses and thresholds changed in three
// files with no record of when. config.toml is now the one place, and a
// change to it is an event (config_changed), so the log says which
// settings were in force at every point of its history (--what-if
// re-decides by them, --incidents shows a rule change and what followed).

// RecordConfig records config.toml's settings (config.Flatten's list)
// when they differ from those the log last recorded: a config_changed
// event with the settings that changed, after and before, by actor for
// reason. before is what the change started from (the file before an
// edit), used when the log has recorded none yet; nil at a serve start.
// A change to nothing yields nothing, and so does an edit (before != nil)
// of a farm whose log is empty: setting a farm up before its first use is
// no drift, and its first serve records the settings it starts with.
func RecordConfig(actor, reason string, before, settings []string) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if before != nil && st.Seq == 0 {
			return nil, nil
		}
		base := st.Settings()
		if base == nil {
			base = before
		}
		now, was := config.Diff(base, settings)
		if len(now) == 0 {
			return nil, nil
		}
		return []events.Event{{Type: events.TypeConfigChanged, Actor: actor, Reason: reason, Settings: now, Was: was}}, nil
	}
}

// RuleSetting reports whether a config key is one of the farm's decision
// rules ([farm]'s thresholds and build.stall_after, which RulesFrom reads):
// a change to one changes what the farm decides, not merely where it
// listens or what it runs.
func RuleSetting(key string) bool {
	return strings.HasPrefix(key, "farm.") || key == "build.stall_after"
}
