package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/api"
)

// serveFile is what `swarm serve` writes into the state folder once it
// listens: where to reach it and its pid.
const serveFile = "serve.json"

// serveInfo is the content of serveFile.
type serveInfo struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

// tokenEnv is the environment variable `swarm drone` reads its token from.
const tokenEnv = "SWARM_DRONE_TOKEN"

// startTimeout bounds how long the orchestrator may take to answer.
const startTimeout = 30 * time.Second

// farm is the demo's running processes.
type farm struct {
	serve  *proc
	drones []*proc
	url    string
}

// layout names the demo folder's parts.
type layout struct {
	dir, stateDir string
}

func (l layout) logs() string            { return filepath.Join(l.dir, "logs") }
func (l layout) builds(id string) string { return filepath.Join(l.dir, "builds", id) }

// env is the children's environment: the demo's own, without a state
// folder or drone config file of the user's that could leak in.
func (l layout) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "SWARM_DIR", tokenEnv, "XDG_CONFIG_HOME", "NO_COLOR":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "XDG_CONFIG_HOME="+filepath.Join(l.dir, "config"), "NO_COLOR=1")
}

// startFarm starts the orchestrator, waits until it answers, then starts
// the drones. On error, whatever was started is stopped.
func startFarm(ctx context.Context, l layout, exe string, drones []Drone, slots int) (*farm, error) {
	f := &farm{}
	serve, err := startProc("swarm serve", filepath.Join(l.logs(), "serve.log"), l.dir, l.env(),
		[]string{exe, "serve", "--dir", l.stateDir, "--listen", "127.0.0.1:0"})
	if err != nil {
		return nil, err
	}
	f.serve = serve
	if f.url, err = waitServing(ctx, l.stateDir, serve); err != nil {
		f.stop(true)
		return nil, err
	}
	for _, d := range drones {
		env := append(l.env(), tokenEnv+"="+d.Token) // not in argv, where ps shows it
		p, err := startProc("swarm drone "+d.ID, filepath.Join(l.logs(), d.ID+".log"), l.dir, env,
			[]string{exe, "drone", "--orchestrator", f.url, "--id", d.ID,
				"--slots", strconv.Itoa(slots), "--log-dir", l.builds(d.ID)})
		if err != nil {
			f.stop(true)
			return nil, err
		}
		f.drones = append(f.drones, p)
	}
	return f, nil
}

// waitServing waits for serve to write serveFile and answer its health
// check, and returns its URL.
func waitServing(ctx context.Context, stateDir string, serve *proc) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	hc := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return "", fmt.Errorf("%w: swarm serve did not answer within %s (its log: %s)",
					ErrStart, startTimeout, serve.log)
			}
			return "", ctx.Err()
		case <-serve.done:
			return "", fmt.Errorf("%w: swarm serve exited: %v (its log: %s)", ErrStart, serve.err, serve.log)
		case <-tick.C:
		}
		info, ok := readServeInfo(stateDir)
		if !ok || info.PID != serve.pid() {
			continue
		}
		if _, err := api.NewClient(info.URL, "", "", hc).Ready(ctx); err == nil {
			return info.URL, nil
		}
	}
}

// readServeInfo reads serveFile, if it is there and whole.
func readServeInfo(stateDir string) (serveInfo, bool) {
	var info serveInfo
	data, err := os.ReadFile(filepath.Join(stateDir, serveFile))
	if err != nil || json.Unmarshal(data, &info) != nil || info.URL == "" {
		return info, false
	}
	return info, true
}

// Grace periods of a stop: how long drones may take to finish what they
// hold (none, once the queue is drained) and the orchestrator to shut down.
const (
	droneGrace   = 15 * time.Second
	droneHurry   = 3 * time.Second
	serveGrace   = 10 * time.Second
	secondSignal = 200 * time.Millisecond
)

// stop ends the farm: drones first (so their last reports reach the
// orchestrator), then the orchestrator, each with SIGTERM. In a hurry (the
// demo was interrupted) drones get a second SIGTERM, which returns their
// work at once. Whatever does not end in time is killed with its process
// group. It returns how the processes exited.
func (f *farm) stop(hurry bool) error {
	grace := droneGrace
	for _, d := range f.drones {
		d.terminate()
	}
	if hurry {
		grace = droneHurry
		time.Sleep(secondSignal)
		for _, d := range f.drones {
			d.terminate()
		}
	}
	var errs []error
	deadline := time.Now().Add(grace)
	for _, d := range f.drones {
		if !d.wait(time.Until(deadline)) {
			errs = append(errs, fmt.Errorf("%s did not stop within %s; killed (its log: %s)", d.name, grace, d.log))
		}
		d.kill() // also ends builds it left behind
		errs = append(errs, d.exitError())
	}
	f.serve.terminate()
	if !f.serve.wait(serveGrace) {
		errs = append(errs, fmt.Errorf("swarm serve did not stop within %s; killed (its log: %s)", serveGrace, f.serve.log))
	}
	f.serve.kill()
	errs = append(errs, f.serve.exitError())
	return errors.Join(errs...)
}
