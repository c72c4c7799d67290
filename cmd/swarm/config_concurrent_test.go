package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/swarm-build/swarm/config"
)

// swarmProcs starts one real `swarm` process (the test binary, which
// TestMain runs as swarm) per argument list, all at once in dir, and
// returns each one's stdout once all have exited; any failure fails t.
func swarmProcs(t *testing.T, dir string, argss [][]string) []string {
	t.Helper()
	bin, err := exec.LookPath("swarm")
	if err != nil {
		t.Fatalf("swarm is not on PATH (testscript.Main puts it there): %v", err)
	}
	outs := make([]string, len(argss))
	errs := make([]error, len(argss))
	cmds := make([]*exec.Cmd, len(argss))
	stdouts := make([]bytes.Buffer, len(argss))
	for i, args := range argss {
		c := exec.Command(bin, args...)
		c.Dir, c.Stdout = dir, &stdouts[i]
		var stderr bytes.Buffer
		c.Stderr = &stderr
		cmds[i] = c
		defer func() {
			if errs[i] != nil {
				t.Errorf("swarm %s: %v: %s", strings.Join(args, " "), errs[i], stderr.String())
			}
		}()
	}
	var start, done sync.WaitGroup
	start.Add(1)
	for i, c := range cmds {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = c.Run()
		}()
	}
	start.Done() // all at once
	done.Wait()
	for i := range outs {
		outs[i] = stdouts[i].String()
	}
	return outs
}

// TestConcurrentDronesAdd: ten `swarm drones add` processes at once all
// land, and each printed token is the one config.toml holds the hash of
// (the hash the orchestrator checks a drone's bearer token against).
func TestConcurrentDronesAdd(t *testing.T) {
	dir := t.TempDir()
	swarmProcs(t, dir, [][]string{{"init"}})
	var argss [][]string
	for i := range 10 {
		argss = append(argss, []string{"drones", "add", fmt.Sprintf("d%d", i)})
	}
	outs := swarmProcs(t, dir, argss)
	cfg, err := config.Load(filepath.Join(dir, ".swarm", config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Drones) != 10 {
		t.Errorf("config.toml has %d drones after 10 concurrent adds, want 10", len(cfg.Drones))
	}
	for i, out := range outs {
		id, token := fmt.Sprintf("d%d", i), strings.TrimSpace(out)
		d, ok := cfg.Drones[id]
		switch {
		case !ok:
			t.Errorf("drone %s was reported admitted but is not in config.toml", id)
		case token == "" || config.TokenHash(token) != d.TokenSHA256:
			t.Errorf("the token printed for %s does not authenticate it", id)
		}
	}
}

// TestConcurrentConfigSet: ten `swarm config set` of distinct keys at once
// all land.
func TestConcurrentConfigSet(t *testing.T) {
	dir := t.TempDir()
	swarmProcs(t, dir, [][]string{{"init"}})
	sets := [][2]string{
		{"farm.ground_after", "7"}, {"farm.ground_for", `"7m"`}, {"farm.fail_after_drones", "3"},
		{"farm.systemic_window", `"11m"`}, {"farm.systemic_fraction", "0.7"}, {"farm.stale_after", "49h"},
		{"health.slow_factor", "3.0"}, {"health.critical_crashes", "4"}, {"log.snapshot_every", "999"},
		{"server.maintenance_every", `"6s"`},
	}
	var argss [][]string
	for _, kv := range sets {
		argss = append(argss, []string{"config", "set", kv[0], kv[1]})
	}
	swarmProcs(t, dir, argss)
	data, err := os.ReadFile(filepath.Join(dir, ".swarm", config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range sets {
		got, err := config.Get(data, kv[0])
		want := kv[1]
		if !strings.HasPrefix(want, `"`) && strings.HasSuffix(want, "h") {
			want = `"` + want + `"`
		}
		if err != nil || got != want {
			t.Errorf("%s = %s (%v) after 10 concurrent sets, want %s", kv[0], got, err, want)
		}
	}
}
