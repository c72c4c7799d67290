package commands

import (
	"slices"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/projections"
)

// AsAdmitted is what a drone is taken to be when it registers: what it
// says of itself, overridden by its [drones.ID] table in config.toml,
// where the operator set cores (what the farm schedules it as), slots (at
// most that many builds, whatever it asks) or capabilities (what it is
// routed). The one place these overrides are applied, so the server and
// every view agree on them.
func AsAdmitted(info DroneInfo, admitted config.DroneConfig) DroneInfo {
	info.Slots = max(info.Slots, 1)
	if admitted.Cores > 0 {
		info.Cores = uint32(admitted.Cores)
	}
	if admitted.Slots > 0 {
		info.Slots = min(info.Slots, uint32(admitted.Slots))
	}
	if len(admitted.Capabilities) > 0 {
		info.Capabilities = slices.Clone(admitted.Capabilities)
	}
	return info
}

// KnownDrone refuses an id that is neither admitted in config.toml nor
// ever registered (ErrNoSuchDrone), so a typo in a drone id is an error
// rather than a grounding or exclusion that applies to nothing.
func KnownDrone(cfg config.Config, st *projections.State, id string) error {
	_, admitted := cfg.Drones[id]
	if _, known := st.Drone(id); !known && !admitted {
		return ErrNoSuchDrone
	}
	return nil
}
