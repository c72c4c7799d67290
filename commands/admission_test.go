package commands

import (
	"slices"
	"testing"

	"github.com/swarm-build/swarm/config"
)

func TestAsAdmitted(t *testing.T) {
	said := DroneInfo{ID: "d1", Cores: 32, Slots: 4, Capabilities: []string{"amd64", "cuda"}}
	for _, tc := range []struct {
		name       string
		admitted   config.DroneConfig
		cores      uint32
		slots      uint32
		capability []string
	}{
		{"nothing set: as it says", config.DroneConfig{}, 32, 4, []string{"amd64", "cuda"}},
		{"cores set", config.DroneConfig{Cores: 8}, 8, 4, []string{"amd64", "cuda"}},
		{"slots cap what it asks", config.DroneConfig{Slots: 2}, 32, 2, []string{"amd64", "cuda"}},
		{"slots never raise it", config.DroneConfig{Slots: 9}, 32, 4, []string{"amd64", "cuda"}},
		{"capabilities replaced", config.DroneConfig{Capabilities: []string{"arm64"}}, 32, 4, []string{"arm64"}},
	} {
		got := AsAdmitted(said, tc.admitted)
		if got.Cores != tc.cores || got.Slots != tc.slots || !slices.Equal(got.Capabilities, tc.capability) {
			t.Errorf("%s: %+v", tc.name, got)
		}
	}
	if got := AsAdmitted(DroneInfo{}, config.DroneConfig{}); got.Slots != 1 {
		t.Errorf("a drone asking no slot gets %d, want 1", got.Slots)
	}
}
