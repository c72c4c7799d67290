package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Admitted drones that never called live in config.toml, not in events,
// so the stream alone cannot show them. The monitor asks the
// orchestrator's drone list (GET /v1/drones, commands.Roster there) when
// it starts and whenever the stream says config.toml changed
// (config_changed: swarm drones add …), and shows the admitted rows the
// log does not know (commands.Admit).

// RosterMsg carries the orchestrator's drone list into the model.
type RosterMsg struct {
	Rows []projections.DroneRow
	Err  error
}

// FetchRoster makes the model ask fetch for the orchestrator's drone list
// at start and after each config_changed event.
func (m *Model) FetchRoster(fetch func() tea.Cmd) { m.roster = fetch }

func (m *Model) askRoster() tea.Cmd {
	if m.roster == nil {
		return nil
	}
	return m.roster()
}

// rosterChanged reports whether a batch of events holds a config change.
func rosterChanged(batch []EventMsg) bool {
	for _, e := range batch {
		if e.Event.Type == events.TypeConfigChanged {
			return true
		}
	}
	return false
}

// fetchRoster reads GET /v1/drones.
func fetchRoster(ctx context.Context, base, token string) ([]projections.DroneRow, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/"+api.Version+"/drones", nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the drone list answered HTTP %d", resp.StatusCode)
	}
	var rows []projections.DroneRow
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil {
		return nil, fmt.Errorf("the drone list: %w", err)
	}
	return rows, nil
}
