package packaging

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serviceTimeout bounds each wait on a service's process: generous, for a
// loaded two-core machine; it only bounds how long a failure takes.
const serviceTimeout = 60 * time.Second

// serviceCmd returns the process an OpenRC service would start with the
// given conf.d settings: its command, arguments and folder.
func serviceCmd(t *testing.T, svc string, settings map[string]string) *exec.Cmd {
	t.Helper()
	out, err := openrcEnv(t, svc, settings, `echo "$directory"; set -- $command_args; for a; do echo "$a"; done`)
	if err != nil {
		t.Fatalf("%s: %v\n%s", svc, err, out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	cmd := exec.Command(swarmBinary(t), lines[1:]...)
	cmd.Dir = lines[0]
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	return cmd
}

// syncBuffer is a process's output, read while the process writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startService starts cmd with its output in a buffer, killed at the end.
func startService(t *testing.T, cmd *exec.Cmd) *syncBuffer {
	t.Helper()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return out
}

// stopService stops a service as both init systems do, with one SIGTERM,
// and waits for a clean exit.
func stopService(t *testing.T, name string, cmd *exec.Cmd, out *syncBuffer) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s after SIGTERM: %v\n%s", name, err, out)
		}
	case <-time.After(serviceTimeout):
		t.Errorf("%s still running %v after SIGTERM\n%s", name, serviceTimeout, out)
	}
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(serviceTimeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s; last: %s", serviceTimeout, what, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestServicesRunAFarm runs the two services' command lines as OpenRC would
// (conf.d settings pointing at temporary folders): the orchestrator serves
// the state folder, a drone configured from drone.toml.example registers
// with it, and each stops cleanly on the SIGTERM its init system sends.
func TestServicesRunAFarm(t *testing.T) {
	dir := t.TempDir()
	swarm := swarmBinary(t)
	if out, err := exec.Command(swarm, "init", dir).CombinedOutput(); err != nil {
		t.Fatalf("swarm init: %v\n%s", err, out)
	}
	orch := serviceCmd(t, "swarm-orchestrator", map[string]string{"SWARM_DIR": dir, "SWARM_LISTEN": "127.0.0.1:0"})
	orchOut := startService(t, orch)
	var url string
	waitUntil(t, "the orchestrator's serve.json", func() (bool, string) {
		b, err := os.ReadFile(filepath.Join(dir, ".swarm", "serve.json"))
		var si struct{ URL string }
		if err != nil || json.Unmarshal(b, &si) != nil {
			return false, orchOut.String()
		}
		url = si.URL
		return true, ""
	})
	token, err := exec.Command(swarm, "--dir", dir, "drones", "add", "build-01").Output()
	if err != nil {
		t.Fatalf("drones add: %v", err)
	}
	conf := droneConf(t, dir, url, strings.TrimSpace(string(token)))
	drone := serviceCmd(t, "swarm-drone", map[string]string{"SWARM_DRONE_CONFIG": conf,
		"SWARM_BUILD_LOGS": filepath.Join(dir, "builds")})
	droneOut := startService(t, drone)
	waitUntil(t, "build-01 to register", func() (bool, string) {
		out, err := exec.Command(swarm, "--dir", dir, "drones", "--json").Output()
		var ds []struct{ ID, Status string }
		if err != nil || json.Unmarshal(out, &ds) != nil || len(ds) != 1 || ds[0].Status == "offline" {
			return false, string(out) + droneOut.String()
		}
		return ds[0].ID == "build-01", string(out)
	})
	stopService(t, "the drone", drone, droneOut)
	stopService(t, "the orchestrator", orch, orchOut)
}

// droneConf writes a drone's file as an operator would: the example with
// the orchestrator, id and token filled in, chmod 600.
func droneConf(t *testing.T, dir, url, token string) string {
	t.Helper()
	b, err := os.ReadFile("drone.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer(`orchestrator = "http://farm:8093"`, `orchestrator = "`+url+`"`,
		`token = ""`, `token = "`+token+`"`).Replace(string(b))
	if text == string(b) || !strings.Contains(text, `id = "build-01"`) {
		t.Fatal("drone.toml.example no longer has the lines the test fills in")
	}
	p := filepath.Join(dir, "drone.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
