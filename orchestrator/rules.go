package orchestrator

import (
	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/portage"
)

// Rules returns the farm rules config.toml sets.
func Rules(cfg config.Config) commands.Rules {
	f := cfg.Farm
	return commands.Rules{
		Lease:            f.Lease.Duration,
		FailAfterDrones:  f.FailAfterDrones,
		Heartbeat:        f.Heartbeat.Duration,
		GroundAfter:      f.GroundAfter,
		GroundFor:        f.GroundFor.Duration,
		SystemicWindow:   f.SystemicWindow.Duration,
		SystemicFraction: f.SystemicFraction,
		StallAfter:       cfg.Build.StallAfter.Duration,
		Exclude:          cfg.Exclude.Patterns,
		Portage:          cfg.Portage.Settings(),
		RequireVersion:   cfg.Farm.RequireVersion,
	}
}

// Routing returns the capability rules config.toml sets.
func Routing(cfg config.Config) commands.Routing {
	return commands.Routing{Packages: cfg.Caps.Packages, USE: cfg.Caps.USE, Keywords: cfg.Caps.Keywords}
}

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
