package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
)

// serverState asks the server named in dir's serve.json how it is; nil
// when no server answers (none runs, or serve.json is a dead one's).
func serverState(dir string) *commands.ServerCondition {
	si, err := readServeInfo(filepath.Join(dir, serveFile))
	if err != nil || si.URL == "" {
		return nil
	}
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(si.URL + api.HealthPath)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var r api.Ready
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil // not our server: the port was reused
	}
	return &commands.ServerCondition{URL: si.URL, PID: si.PID, OK: r.OK && resp.StatusCode == http.StatusOK, Error: r.Error,
		Version: r.Version, Role: r.Role, Leader: r.Leader}
}
