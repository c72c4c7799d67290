package main

import (
	"fmt"
	"io"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/projections"
)

// drifting lists the drones whose portage settings differ from config.toml's
// [portage], for status and drones. A config.toml that does not load states
// nothing: those views must still show the farm.
func (a *app) drifting(st *projections.State) []commands.DroneDrift {
	_, cfg, err := a.stateConfig()
	if err != nil {
		return nil
	}
	return commands.Drifting(commands.RulesFrom(cfg), st)
}

// printDrift prints one line per drifting drone, naming each setting.
func printDrift(w io.Writer, drift []commands.DroneDrift, p palette) {
	for _, d := range drift {
		fmt.Fprintf(w, "%-9s%s\n", "Drift:", p.red(termsafe.Line(fmt.Sprintf(
			"%s gets no work: its portage settings differ from the farm's: %s", d.ID, commands.DriftLine(d.Differs)))))
	}
}
