// Package e2e tests swarm end to end: the real `swarm` binary, built once by
// TestMain, runs as separate processes — an orchestrator (`swarm serve`),
// three or more drones (`swarm drone`) and, as their build command, a real
// executable (testdata/fake-emerge) that sleeps, writes a package file,
// fails with real emerge error text, crashes or hangs on demand. Tests
// assert only on what an operator or a script sees: the CLI's --json
// output, the event log (`swarm log --json`), the HTTP API, exit codes, and
// the record fake-emerge keeps of every build it ran.
//
// Farms are independent (each has its own folder and port), so the tests
// run in parallel. Timing is asserted only as "within N seconds" deadlines,
// generous enough for a loaded two-core CI machine. When a test fails, the
// output of every process of its farm, the tail of its event log and the
// build record are printed.
//
// SWARM_E2E_RACE=1 builds the binary with -race, and a data race reported
// by any process fails its test.
package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var (
	// swarmBin is the swarm binary TestMain built.
	swarmBin string
	// moduleDir is the root of the swarm module.
	moduleDir string
	// raceBinary says swarmBin was built with -race.
	raceBinary bool
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(floodEnv); addr != "" { // a flood helper (flood_test.go)
		os.Exit(floodHelper(addr))
	}
	os.Exit(runTests(m))
}

// runTests builds the binary, runs the tests and removes the binary. A
// failed build fails the run: without the binary nothing here can be
// tested, and skipping would pass in silence.
func runTests(m *testing.M) int {
	root, err := findModuleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	moduleDir = root
	tmp, err := os.MkdirTemp("", "swarm-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	raceBinary = os.Getenv("SWARM_E2E_RACE") == "1"
	swarmBin = filepath.Join(tmp, "swarm")
	if err := buildSwarm(root, swarmBin, raceBinary); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	return m.Run()
}

// buildSwarm runs `go build -o out ./cmd/swarm` in the module root.
func buildSwarm(root, out string, race bool) error {
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool(), append(args, "./cmd/swarm")...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building swarm (go %s): %w\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

// goTool is the go command: the one on PATH, else the toolchain's own.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// findModuleRoot walks up from the working folder (the package folder, as
// go test runs it) to the go.mod of the swarm module.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			if !strings.Contains(string(data), "module github.com/swarm-build/swarm\n") {
				return "", fmt.Errorf("%s/go.mod is not the swarm module", dir)
			}
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working folder")
		}
		dir = parent
	}
}

// testdata returns the absolute path of a file in e2e/testdata.
func testdata(name string) string {
	return filepath.Join(moduleDir, "e2e", "testdata", name)
}

// realAtoms returns n real Gentoo package versions (CPVs) from the
// repository's sample of the Macaroni md5-cache, starting at the from'th.
func realAtoms(t testing.TB, from, n int) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(moduleDir, "internal", "eventmix", "atoms.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var atoms []string
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan() && len(atoms) < n; i++ {
		if line := strings.TrimSpace(sc.Text()); line != "" && i >= from {
			atoms = append(atoms, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(atoms) < n {
		t.Fatalf("atoms.txt has only %d atoms from %d, want %d", len(atoms), from, n)
	}
	return atoms
}
