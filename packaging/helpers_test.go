package packaging

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// repoRoot is the module's root: tests run in their package's folder.
const repoRoot = ".."

// testVersion is the version the tests' swarm binary embeds by ldflags,
// as the release and the ebuild do.
const testVersion = "1.2.3-pkgtest"

var (
	swarmOnce sync.Once
	swarmPath string
	swarmErr  error
	swarmDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if swarmDir != "" {
		os.RemoveAll(swarmDir)
	}
	os.Exit(code)
}

// goTool is the go command that runs these tests.
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no go command on PATH or in GOROOT: %v", err)
	}
	return p
}

// swarmBinary builds swarm once for the package's tests, with testVersion
// set the way .goreleaser.yaml sets it, and returns its path.
func swarmBinary(t *testing.T) string {
	t.Helper()
	swarmOnce.Do(func() {
		swarmDir, swarmErr = os.MkdirTemp("", "swarm-packaging-")
		if swarmErr != nil {
			return
		}
		swarmPath = filepath.Join(swarmDir, "swarm")
		swarmErr = goBuild(goTool(t), swarmPath, nil)
	})
	if swarmErr != nil {
		t.Fatal(swarmErr)
	}
	return swarmPath
}

// goBuild builds ./cmd/swarm into out as a release does: CGO_ENABLED=0,
// -trimpath, the version by ldflags; env adds GOOS, GOARCH, GOARM.
func goBuild(goCmd, out string, env []string) error {
	cmd := exec.Command(goCmd, "build", "-trimpath", "-ldflags", "-X main.version="+testVersion, "-o", out, "./cmd/swarm")
	cmd.Dir = repoRoot
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", strings.Join(env, " "), err, b)
	}
	return nil
}

// needTool returns the path of a program the test runs, failing (never
// skipping) with what to install when it is absent.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("this test runs %s: install it (%s)", name, install)
	}
	return p
}

// files returns the paths matching a glob under the repository root,
// failing when there are none.
func files(t *testing.T, glob string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(repoRoot, glob))
	if err != nil || len(m) == 0 {
		t.Fatalf("no files match %s (%v)", glob, err)
	}
	return m
}

// acceptsArgs runs the swarm binary with args and --help: cobra parses
// every flag before it answers --help, so an unknown flag, or one given
// to the wrong verb, fails (exit 2) while a good command line prints help.
func acceptsArgs(t *testing.T, args []string) error {
	t.Helper()
	cmd := exec.Command(swarmBinary(t), append(args, "--help")...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("swarm %s --help: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
