package packaging

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var systemdUnits = []string{"swarm-orchestrator.service", "swarm-drone.service"}

// unitCopies writes the units into a temporary folder with /usr/bin/swarm
// replaced by a built swarm (systemd-analyze verify checks that ExecStart
// names an executable) and returns their paths.
func unitCopies(t *testing.T, units map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, text := range units {
		p := filepath.Join(dir, name)
		text = strings.ReplaceAll(text, "/usr/bin/swarm ", swarmBinary(t)+" ")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func readUnits(t *testing.T) map[string]string {
	t.Helper()
	units := map[string]string{}
	for _, name := range systemdUnits {
		b, err := os.ReadFile(filepath.Join("systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		units[name] = string(b)
	}
	return units
}

// verifyUnits runs systemd-analyze verify: it exits 0 on an unknown key or
// a bad value, only warning, so any output at all is a finding.
func verifyUnits(t *testing.T, paths []string) (string, error) {
	t.Helper()
	tool := needTool(t, "systemd-analyze", "apt-get install systemd")
	out, err := exec.Command(tool, append([]string{"verify", "--man=no"}, paths...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestSystemdUnitsVerify: the units pass systemd-analyze verify with nothing
// to say; the same check on a unit with a misspelt key and a bad value
// speaks up (so a clean pass means something).
func TestSystemdUnitsVerify(t *testing.T) {
	if out, err := verifyUnits(t, unitCopies(t, readUnits(t))); err != nil || out != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	bad := strings.Replace(readUnits(t)["swarm-drone.service"], "\nKillMode=mixed\n", "\nKillMode=gentle\nRestartSecs=1\n", 1)
	out, _ := verifyUnits(t, unitCopies(t, map[string]string{"swarm-drone.service": bad}))
	if !strings.Contains(out, "RestartSecs") || !strings.Contains(out, "gentle") {
		t.Fatalf("systemd-analyze verify said nothing of a misspelt key and a bad kill mode: %q", out)
	}
}

// unitKeys returns the unit's settings as key → values, in order.
func unitKeys(text string) map[string][]string {
	keys := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = append(keys[k], v)
		}
	}
	return keys
}

// TestSystemdUnitSettings: each unit runs a command line swarm accepts, the
// orchestrator as the user swarm on /var/lib/swarm, the drone as root on
// /etc/swarm/drone.toml; a drone's stop signals swarm alone, so its builds
// finish (drain) instead of being killed with it.
func TestSystemdUnitSettings(t *testing.T) {
	units := readUnits(t)
	tests := []struct {
		unit string
		want map[string]string
	}{
		{"swarm-orchestrator.service", map[string]string{"User": "swarm", "StateDirectory": "swarm",
			"ExecStart": "/usr/bin/swarm serve --dir /var/lib/swarm"}},
		{"swarm-drone.service", map[string]string{"User": "", "KillMode": "mixed", "ConfigurationDirectory": "swarm",
			"LogsDirectory": "swarm/builds",
			"ExecStart":     "/usr/bin/swarm drone --config /etc/swarm/drone.toml --log-dir /var/log/swarm/builds"}},
	}
	for _, tt := range tests {
		keys := unitKeys(units[tt.unit])
		for k, v := range tt.want {
			if got := strings.Join(keys[k], " | "); got != v {
				t.Errorf("%s: %s=%q, want %q", tt.unit, k, got, v)
			}
		}
		argv := strings.Fields(keys["ExecStart"][0])
		if err := acceptsArgs(t, argv[1:]); err != nil {
			t.Errorf("%s: %v", tt.unit, err)
		}
	}
}
