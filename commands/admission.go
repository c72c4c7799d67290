package commands

import (
	"slices"

	"github.com/swarm-build/swarm/config"
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
