package orchestrator

import (
	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
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
