package bench

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// realSwarm builds the swarm binary (the fleet probe runs the real
// `swarm serve` as a child process).
func realSwarm(t *testing.T) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		goTool = p
	}
	out := filepath.Join(t.TempDir(), "swarm")
	cmd := exec.Command(goTool, "build", "-o", out, "./cmd/swarm")
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building swarm: %v\n%s", err, b)
	}
	return out
}

// The fleet probe against a real `swarm serve`, in small: drones
// register, claim, report and heartbeat; status answers over HTTP and as
// a process; the server's memory is read from /proc.
func TestFleetProbe(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatalf("the fleet probe reads /proc: run this test on Linux")
	}
	small := tiny
	small.fleetDrones, small.fleetPackages, small.fleetRun = 24, 500, 3*time.Second
	small.fleetPace = fleetPace{beat: 400 * time.Millisecond, buildMin: 50 * time.Millisecond, buildMax: 200 * time.Millisecond}
	rep, err := Run(context.Background(), Options{Dir: t.TempDir(), sizes: &small, Probes: []string{"fleet"},
		SwarmBinary: realSwarm(t)})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := []string{"fleet_24_rss", "fleet_24_claim_p99", "fleet_24_status_http_p99", "fleet_24_status_cold_ms"}
	if len(rep.Results) != len(want) {
		t.Fatalf("results %+v, want %q", rep.Results, want)
	}
	for i, res := range rep.Results {
		if res.Name != want[i] || res.Skipped || res.Value <= 0 || strings.HasPrefix(res.Detail, "error") {
			t.Errorf("result %d: %+v", i, res)
		}
	}
	if rss := rep.Results[0].Value; rss < 1<<20 || rss > 4<<30 {
		t.Errorf("peak memory %v bytes: not a process's", rss)
	}
	for _, s := range []string{"reports", "heartbeats"} {
		if !strings.Contains(rep.Results[1].Detail, s) || strings.Contains(rep.Results[1].Detail, " 0 "+s) {
			t.Errorf("no %s: %s", s, rep.Results[1].Detail)
		}
	}
}
