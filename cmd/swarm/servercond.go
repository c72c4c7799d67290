package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"time"

	"github.com/swarm-build/swarm/api"
)

// serverCondition is what `swarm status` says about the server running on
// the state folder: it asks the server's /v1/health (found in serve.json),
// since a server that cannot write its log cannot write a file saying so.
type serverCondition struct {
	URL   string `json:"url"`
	PID   int    `json:"pid"`
	OK    bool   `json:"ok"`              // it acknowledges (health answered 200)
	Error string `json:"error,omitempty"` // why not: it cannot write the event log
	// Version is the release it runs (deploy keeps drones from running
	// a newer one).
	Version string `json:"version,omitempty"`
}

// serverState asks the server named in dir's serve.json how it is; nil
// when no server answers (none runs, or serve.json is a dead one's).
func serverState(dir string) *serverCondition {
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
	return &serverCondition{URL: si.URL, PID: si.PID, OK: r.OK && resp.StatusCode == http.StatusOK, Error: r.Error,
		Version: r.Version}
}
