package commands

import "github.com/swarm-build/swarm/config"

// RulesFrom returns the farm rules config.toml sets. It is the one
// adapter from configuration to decisions: the server, the CLI's views
// and the forensics all judge by it.
func RulesFrom(cfg config.Config) Rules {
	f := cfg.Farm
	return Rules{
		Lease:            f.Lease.Duration,
		FailAfterDrones:  f.FailAfterDrones,
		Heartbeat:        f.Heartbeat.Duration,
		GroundAfter:      f.GroundAfter,
		GroundFor:        f.GroundFor.Duration,
		SystemicWindow:   f.SystemicWindow.Duration,
		SystemicFraction: f.SystemicFraction,
		StallAfter:       cfg.Build.StallAfter.Duration,
		SampleEvery:      f.SampleEvery.Duration,
		Exclude:          cfg.Exclude.Patterns,
		Portage:          cfg.Portage.Settings(),
		RequireVersion:   cfg.Farm.RequireVersion,
	}
}

// RoutingFrom returns the capability rules config.toml sets.
func RoutingFrom(cfg config.Config) Routing {
	return Routing{Packages: cfg.Caps.Packages, USE: cfg.Caps.USE, Keywords: cfg.Caps.Keywords}
}
