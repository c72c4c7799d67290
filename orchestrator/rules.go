package orchestrator

import (
	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/portage"
)

// healthThresholds is [health] as drones receive it.
func healthThresholds(h config.HealthConfig) api.Health {
	return api.Health{
		DegradedMemoryPercent: h.DegradedMemoryPercent,
		DegradedDiskPercent:   h.DegradedDiskPercent,
		SlowFactor:            h.SlowFactor,
		CriticalCrashes:       h.CriticalCrashes,
		SelfCheck:             append([]string{}, h.SelfCheck...),
	}
}

// portageSettings takes the settings of a fingerprint a drone sent, by
// portage's names and normalised; other names are ignored (a newer drone
// may report more).
func portageSettings(m map[string]string) portage.Settings {
	var out portage.Settings
	for _, k := range portage.SettingKeys {
		if v, ok := m[k]; ok {
			if out == nil {
				out = portage.Settings{}
			}
			out[k] = portage.Normalize(k, v)
		}
	}
	return out
}
