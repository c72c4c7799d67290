package main

import (
	"fmt"
	"io"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/projections"
)

// viewRules are the farm rules as the views judge by them: config.toml's,
// with the orchestrator's release (farm.require_version = "orchestrator")
// from the server running on dir, else this binary's own.
func viewRules(dir string, cfg config.Config) commands.Rules {
	r := commands.RulesFrom(cfg)
	r.Release = version
	if dir != "" {
		if sc := serverState(dir); sc != nil && sc.Version != "" {
			r.Release = sc.Version
		}
	}
	return r
}

// staleReleases lists the drones whose release keeps them from work; none
// when config.toml does not load (the views must still show the farm).
func (a *app) staleReleases(st *projections.State) []commands.DroneStale {
	dir, cfg, err := a.stateConfig()
	if err != nil {
		return nil
	}
	return commands.StaleReleases(viewRules(dir, cfg), st)
}

// printStale prints one line per drone whose release keeps it from work.
func printStale(w io.Writer, stale []commands.DroneStale, p palette) {
	for _, d := range stale {
		fmt.Fprintf(w, "%-9s%s\n", "Stale:", p.red(termsafe.Line(d.ID+" gets no work: "+d.Why)))
	}
}
