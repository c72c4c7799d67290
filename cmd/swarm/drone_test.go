package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/drone"
)

// droneApp is a test app whose environment is env.
func droneApp(env map[string]string) *app {
	a, _, _ := testApp()
	a.getenv = func(k string) string { return env[k] }
	return a
}

// parseDrone runs `swarm drone args` up to the resolved options.
func parseDrone(t *testing.T, env map[string]string, args ...string) (*droneOptions, error) {
	t.Helper()
	var got *droneOptions
	cmd := newDroneCmd(droneApp(env), func(_ context.Context, o *droneOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(flagError)
	err := cmd.Execute()
	return got, err
}

func TestDroneFlagsOverrideFile(t *testing.T) {
	home := t.TempDir()
	conf := filepath.Join(home, "conf")
	if err := os.MkdirAll(filepath.Join(conf, "swarm"), 0o700); err != nil {
		t.Fatal(err)
	}
	file := `orchestrator = "http://file:8093"
id = "from-file"
token = "file-token"
cores = 8
slots = 2
capabilities = ["amd64"]
log_dir = "/file/logs"
`
	if err := os.WriteFile(filepath.Join(conf, "swarm", "drone.toml"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": conf}

	o, err := parseDrone(t, env)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Config
	if c.Orchestrator != "http://file:8093" || c.ID != "from-file" || c.Token != "file-token" || c.Cores != 8 ||
		c.Slots != 2 || !slices.Equal(c.Capabilities, []string{"amd64"}) || c.LogDir != "/file/logs" || c.Version != version {
		t.Errorf("from the file alone: %+v", c)
	}

	env[droneTokenEnv] = "env-token"
	o, err = parseDrone(t, env, "--orchestrator", "127.0.0.1:9000", "--id", "flag-id", "--cores", "4",
		"--slots", "3", "--capability", "arm64", "--capability", "big", "--log-dir", "/flag/logs")
	if err != nil {
		t.Fatal(err)
	}
	c = o.Config
	if c.Orchestrator != "http://127.0.0.1:9000" || c.ID != "flag-id" || c.Token != "env-token" || c.Cores != 4 ||
		c.Slots != 3 || !slices.Equal(c.Capabilities, []string{"arm64", "big"}) || c.LogDir != "/flag/logs" {
		t.Errorf("flags and env over the file: %+v", c)
	}

	o, err = parseDrone(t, env, "--token", "flag-token")
	if err != nil || o.Config.Token != "flag-token" {
		t.Errorf("--token over the environment: %+v, %v", o, err)
	}
}

func TestDroneWithoutFile(t *testing.T) {
	home := t.TempDir()
	o, err := parseDrone(t, map[string]string{"HOME": home},
		"--orchestrator", "http://o:8093", "--id", "d1", "--token", "t")
	if err != nil {
		t.Fatal(err)
	}
	if o.Config.Slots != 1 || o.Config.Cores < 1 || o.Config.LogDir != filepath.Join(home, ".local", "state", "swarm", "builds") {
		t.Errorf("defaults: %+v", o.Config)
	}
}

func TestDroneUsageErrors(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	tests := []struct {
		name    string
		args    []string
		mention string
	}{
		{"no orchestrator", []string{"--id", "d1", "--token", "t"}, "orchestrator"},
		{"no id", []string{"--orchestrator", "http://o", "--token", "t"}, "id"},
		{"no token", []string{"--orchestrator", "http://o", "--id", "d1"}, "SWARM_DRONE_TOKEN"},
		{"zero slots", []string{"--orchestrator", "http://o", "--id", "d1", "--token", "t", "--slots", "0"}, "--slots"},
		{"negative cores", []string{"--orchestrator", "http://o", "--id", "d1", "--token", "t", "--cores", "-2"}, "--cores"},
		{"an argument", []string{"extra"}, "extra"},
		{"unknown flag", []string{"--slot", "2"}, "slot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDrone(t, env, tt.args...)
			if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %v (exit %d), want a usage error mentioning %q", err, exitCode(err), tt.mention)
			}
		})
	}
}

func TestDroneConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("orchestrator = \"http://o\"\nslot = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := parseDrone(t, map[string]string{"HOME": dir}, "--config", bad)
	if !errors.Is(err, drone.ErrBadConfig) || exitCode(err) != exitFailure || !strings.Contains(err.Error(), "slot") {
		t.Errorf("unknown key: %v (exit %d), want ErrBadConfig naming slot, exit 1", err, exitCode(err))
	}
	_, err = parseDrone(t, map[string]string{"HOME": dir}, "--config", filepath.Join(dir, "none.toml"))
	if !errors.Is(err, os.ErrNotExist) || exitCode(err) != exitFailure {
		t.Errorf("a missing --config file: %v, want not-exist, exit 1", err)
	}
}

// TestDroneWarnsOfReadableToken: a token in a file others may read is
// worth a warning; a private file is not.
func TestDroneWarnsOfReadableToken(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "drone.toml")
	for _, tt := range []struct {
		mode os.FileMode
		warn bool
	}{{0o644, true}, {0o600, false}} {
		if err := os.WriteFile(p, []byte("orchestrator = \"http://o\"\nid = \"d1\"\ntoken = \"t\"\n"), tt.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, tt.mode); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		a := droneApp(map[string]string{"HOME": dir})
		a.logger = slog.New(slog.NewTextHandler(&logs, nil))
		cmd := newDroneCmd(a, func(context.Context, *droneOptions) error { return nil })
		cmd.SetArgs([]string{"--config", p})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "chmod 600"); got != tt.warn {
			t.Errorf("mode %v: warned %v, want %v (%s)", tt.mode, got, tt.warn, logs.String())
		}
	}
}

// TestDroneWarnsOfTokenFlag: a token on the command line shows in ps, so
// --token is worth a warning; the same token from $SWARM_DRONE_TOKEN is not.
func TestDroneWarnsOfTokenFlag(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		warn bool
	}{
		{"flag", map[string]string{}, []string{"--token", "t"}, true},
		{"environment", map[string]string{droneTokenEnv: "t"}, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["HOME"] = t.TempDir()
			var logs bytes.Buffer
			a := droneApp(tt.env)
			a.logger = slog.New(slog.NewTextHandler(&logs, nil))
			cmd := newDroneCmd(a, func(context.Context, *droneOptions) error { return nil })
			cmd.SetArgs(append([]string{"--orchestrator", "http://o", "--id", "d1"}, tt.args...))
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(logs.String(), "--token shows in 'ps'"); got != tt.warn {
				t.Errorf("warned %v, want %v (%s)", got, tt.warn, logs.String())
			}
		})
	}
}

// TestDroneOrchestratorList: --orchestrator takes every member of a
// cluster, comma-separated, each made a URL as a single one is.
func TestDroneOrchestratorList(t *testing.T) {
	o, err := parseDrone(t, map[string]string{"HOME": t.TempDir()},
		"--orchestrator", "http://o1:8093,o2:8093, https://o3:8093/", "--id", "d1", "--token", "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.Config.URLs(), []string{"http://o1:8093", "http://o2:8093", "https://o3:8093"}; !slices.Equal(got, want) {
		t.Errorf("URLs %q, want %q", got, want)
	}
	if _, err := parseDrone(t, map[string]string{"HOME": t.TempDir()},
		"--orchestrator", "http://o1:8093,ftp://o2", "--id", "d1", "--token", "t"); err == nil {
		t.Error("a list with a bad URL was accepted")
	}
}
