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
	var admitted []projections.DroneRow
	for id, d := range cfg.Drones {
		admitted = append(admitted, projections.DroneRow{ID: id, Status: DroneAdmitted,
			Cores: uint32(d.Cores), Capabilities: slices.Clone(d.Capabilities), Tasks: []string{}})
	}
	return Admit(rows, admitted)
}

// Admit is Roster for a view that has no config.toml but the roster an
// orchestrator served (GET /v1/drones, as the remote monitor reads it):
// rows, plus each admitted row whose drone rows lack (a drone that called
// since is the log's), sorted by id.
func Admit(rows, admitted []projections.DroneRow) []projections.DroneRow {
	out := slices.Clone(rows)
	for _, a := range admitted {
		if a.Status != DroneAdmitted || slices.ContainsFunc(out, func(r projections.DroneRow) bool { return r.ID == a.ID }) {
			continue
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b projections.DroneRow) int { return strings.Compare(a.ID, b.ID) })
	return out
}
