package main

import (
	"context"
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

// serverStatus asks the server named in dir's serve.json for its status
// report, as `swarm status --json` prints it. ok is false when none
// answers it in time, it is another process than serve.json names (the
// port was reused), or it refuses (a server beyond loopback wants an
// operator's token): the caller then reads the folder itself.
func serverStatus(ctx context.Context, dir string) (commands.Report, bool) {
	si, err := readServeInfo(filepath.Join(dir, serveFile))
	if err != nil || si.URL == "" {
		return commands.Report{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, si.URL+"/"+api.Version+"/status", nil)
	if err != nil {
		return commands.Report{}, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return commands.Report{}, false
	}
	defer resp.Body.Close()
	var r commands.Report
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&r) != nil ||
		r.Server == nil || r.Server.PID != si.PID {
		return commands.Report{}, false
	}
	return r, true
}
