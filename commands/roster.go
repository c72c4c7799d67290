package commands

import (
	"slices"
	"strings"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/projections"
)

// DroneAdmitted is the status of a drone admitted in config.toml (swarm
// drones add) that has never called the orchestrator.
const DroneAdmitted projections.DroneStatus = "admitted"

// Roster is the drone list an operator reads: every drone the log knows,
// plus every drone admitted in cfg that has never called, with status
// "admitted" and no last-seen time. Without them, a new machine that
// cannot reach the orchestrator (a wrong URL, a firewall, a bad token)
// was simply missing from `swarm drones`. Sorted by id, as DroneList is.
func Roster(rows []projections.DroneRow, cfg config.Config) []projections.DroneRow {
	out := slices.Clone(rows)
	for id, d := range cfg.Drones {
		if slices.ContainsFunc(rows, func(r projections.DroneRow) bool { return r.ID == id }) {
			continue
		}
		out = append(out, projections.DroneRow{ID: id, Status: DroneAdmitted,
			Cores: uint32(d.Cores), Capabilities: slices.Clone(d.Capabilities), Tasks: []string{}})
	}
	slices.SortFunc(out, func(a, b projections.DroneRow) int { return strings.Compare(a.ID, b.ID) })
	return out
}
