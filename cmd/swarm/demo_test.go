package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests of `swarm demo` run the real binary, built here, so
// the orchestrator, the drones and the builds are real separate processes,
// as a user's first run is.

// buildSwarm builds the swarm binary into a temporary folder.
func buildSwarm(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a real farm of separate processes")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			t.Fatalf("the go tool is needed to build swarm for this test: put it on PATH (%v)", err)
		}
	}
	bin := filepath.Join(t.TempDir(), "swarm")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// demoCmd is `swarm demo args...` with its temporary folders in tmp.
func demoCmd(ctx context.Context, bin, tmp string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, append([]string{"demo"}, args...)...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "NO_COLOR=1")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// TestDemoDrains: a small demo drains, retries its failing package, prints
// the final status with every package built, and leaves nothing behind.
func TestDemoDrains(t *testing.T) {
	bin := buildSwarm(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := demoCmd(ctx, bin, tmp, "--packages", "12")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("swarm demo: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	out := stdout.String()
	for _, re := range []string{
		`(?m)^Queue:\s+0 needed · 0 building · 12 built · 0 failed · 0 excluded`,
		`(?m)^Swarm:\s+\d/3 drones online`,
		`failed on demo-\d.*back in the queue for a retry`,
		`built on retry by demo-\d`,
		`(?m)^Drained in `,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no %s in the output:\n%s\nstderr:\n%s", re, out, &stderr)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the demo left %v in its temporary folder", left)
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour or a live line without a terminal")
	}
}

// TestDemoInterrupt: Ctrl-C stops every process of the farm and removes
// its folder.
func TestDemoInterrupt(t *testing.T) {
	bin := buildSwarm(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := demoCmd(ctx, bin, tmp, "--packages", "60")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var seen strings.Builder
	for lines.Scan() && !strings.Contains(lines.Text(), "joined the farm") {
		seen.WriteString(lines.Text() + "\n")
	}
	farm := processesIn(t, tmp)
	if len(farm) < 2 {
		t.Errorf("the farm runs %d processes under %s, want the orchestrator and drones", len(farm), tmp)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
		seen.WriteString(lines.Text() + "\n")
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailure {
		t.Fatalf("interrupted demo: %v, want exit 1\nstdout:\n%s\nstderr:\n%s", err, &seen, &stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr: %s", &stderr)
	}
	for _, pid := range farm {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("process %d of the farm outlived the demo", pid)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the demo left %v in its temporary folder", left)
	}
}

// processesIn returns the pids of processes whose command line names a
// path under dir (Linux /proc only; elsewhere none).
func processesIn(t *testing.T, dir string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("this test finds the farm's processes in /proc (Linux): %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(dir)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestDemoTimeout: a farm that has not drained by --timeout exits 1,
// stops every process and keeps its folder, saying where.
func TestDemoTimeout(t *testing.T) {
	bin := buildSwarm(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := demoCmd(ctx, bin, tmp, "--packages", "12", "--speedup", "1", "--timeout", "2s")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailure {
		t.Fatalf("swarm demo: %v, want exit 1\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	m := regexp.MustCompile(`did not drain within 2s: \d+ of 12 packages done; the farm's folder is kept for a look: (\S+)`).
		FindStringSubmatch(stderr.String())
	if m == nil || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
		t.Fatalf("stderr is not one line saying where the folder is:\n%s", &stderr)
	}
	for _, p := range []string{".swarm/config.toml", "logs/serve.log", "logs/demo-1.log"} {
		if _, err := os.Stat(filepath.Join(m[1], p)); err != nil {
			t.Errorf("kept folder: %v", err)
		}
	}
	if pids := processesIn(t, tmp); len(pids) != 0 {
		t.Errorf("processes %v of the farm outlived the demo", pids)
	}
}
