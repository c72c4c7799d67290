package projections

import (
	"maps"
	"slices"
	"strings"

	"github.com/swarm-build/swarm/events"
)

// configChanged folds a config_changed event: its settings, "key=value",
// over those recorded before (an empty value: the key is gone).
func (s *State) configChanged(e *events.Event) bool {
	s.setSettings(e.Settings)
	return true
}

// setSettings sets each "key=value" of list ("key=": unset).
func (s *State) setSettings(list []string) {
	if s.settings == nil && len(list) > 0 {
		s.settings = make(map[string]string, len(list))
	}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if v == "" {
			delete(s.settings, k)
		} else {
			s.settings[k] = v
		}
	}
}

// Settings are config.toml's settings as the log last recorded them
// (config_changed events), "key=value" sorted by key; nil before any.
func (s *State) Settings() []string {
	if len(s.settings) == 0 {
		return nil
	}
	out := make([]string, 0, len(s.settings))
	for _, k := range slices.Sorted(maps.Keys(s.settings)) {
		out = append(out, k+"="+s.settings[k])
	}
	return out
}
