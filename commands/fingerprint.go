package commands

import (
	"fmt"
	"slices"
	"strings"

	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/projections"
)

// A drone whose portage configuration differs from the farm's builds
// packages the farm's clients cannot use (another CHOST, -march=native,
// another ABI), or that are not what the index says they are. So the farm
// states its configuration (config.toml's [portage]), drones report theirs
// (their fingerprint), and a drone that differs gets no work until it is
// fixed. Only the settings the farm states are compared.

// SettingDiff is one setting where a drone differs from the farm.
type SettingDiff struct {
	Setting string `json:"setting"`
	Drone   string `json:"drone"`
	Farm    string `json:"farm"`
	// Unreported: the drone did not say (its settings command failed or
	// printed no such variable).
	Unreported bool `json:"unreported,omitempty"`
}

// String reads `CFLAGS: drone "-O2 -march=native", farm "-O2 -pipe"`.
func (s SettingDiff) String() string {
	drone := fmt.Sprintf("%q", s.Drone)
	if s.Unreported {
		drone = "not reported"
	}
	return fmt.Sprintf("%s: drone %s, farm %q", s.Setting, drone, s.Farm)
}

// DroneDrift is a drone whose portage settings differ from the farm's.
type DroneDrift struct {
	ID          string        `json:"id"`
	Fingerprint string        `json:"fingerprint,omitempty"`
	Differs     []SettingDiff `json:"differs"`
}

// PortageDrift lists the settings in which d differs from the farm's, in
// portage.SettingKeys order; none when the farm states none.
func PortageDrift(r Rules, d *projections.Drone) []SettingDiff {
	if len(r.Portage) == 0 {
		return nil
	}
	have := portage.SettingsFromPairs(d.Portage)
	var out []SettingDiff
	for _, key := range portage.SettingKeys {
		want, stated := r.Portage[key]
		if !stated {
			continue
		}
		want = portage.Normalize(key, want)
		got, reported := have[key]
		if got = portage.Normalize(key, got); reported && got == want {
			continue
		}
		out = append(out, SettingDiff{Setting: key, Drone: got, Farm: want, Unreported: !reported})
	}
	return out
}

// Drifting lists the drones whose settings differ from the farm's, by id.
func Drifting(r Rules, st *projections.State) []DroneDrift {
	var out []DroneDrift
	for d := range st.Drones() {
		if diffs := PortageDrift(r, d); len(diffs) > 0 {
			out = append(out, DroneDrift{ID: d.ID, Fingerprint: d.Fingerprint, Differs: diffs})
		}
	}
	slices.SortFunc(out, func(a, b DroneDrift) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// DriftLine is the differences in one line, as status, drones and why show
// them.
func DriftLine(diffs []SettingDiff) string {
	parts := make([]string, len(diffs))
	for i, d := range diffs {
		parts[i] = d.String()
	}
	return strings.Join(parts, "; ")
}

// portageBlocker says why d's portage settings keep it from taking work.
func portageBlocker(r Rules, d *projections.Drone) string {
	diffs := PortageDrift(r, d)
	if len(diffs) == 0 {
		return ""
	}
	return "portage settings differ from the farm's: " + DriftLine(diffs) +
		"; fix the drone's make.conf (or [portage] in config.toml) and restart the drone"
}
