package packaging

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goreleaserInstall is how .ci/run installs goreleaser: from the Go module
// proxy, pinned to the newest release that builds with this repository's Go.
const goreleaserInstall = "go install github.com/goreleaser/goreleaser/v2@v2.17.0"

// goreleaser returns the goreleaser to run: on PATH, else where go install
// puts it ($GOBIN, else $GOPATH/bin).
func goreleaser(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("goreleaser"); err == nil {
		return p
	}
	for _, v := range []string{"GOBIN", "GOPATH"} {
		out, err := exec.Command(goTool(t), "env", v).Output()
		dir := strings.TrimSpace(string(out))
		if err != nil || dir == "" {
			continue
		}
		if v == "GOPATH" {
			dir = filepath.Join(filepath.SplitList(dir)[0], "bin")
		}
		if p := filepath.Join(dir, "goreleaser"); isExecutable(p) {
			return p
		}
	}
	t.Fatalf("this test runs goreleaser check: install it (%s)", goreleaserInstall)
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// TestGoreleaserCheck: goreleaser accepts the release configuration, and
// refuses one with a key it does not know (so a pass means something).
func TestGoreleaserCheck(t *testing.T) {
	gr := goreleaser(t)
	cmd := exec.Command(gr, "check")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(b), "\nbuilds:\n", "\nbuilds:\n  - binaryy: swarm\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gr, "check", bad).CombinedOutput(); err == nil {
		t.Fatalf("goreleaser check accepted an unknown key:\n%s", out)
	}
}

// archiveFiles returns the globs archives.files lists in .goreleaser.yaml.
func archiveFiles(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var globs []string
	section, inFiles := "", false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case line != "" && line[0] != ' ' && line[0] != '#':
			section, inFiles = line, false
		case section == "archives:" && trimmed == "files:":
			inFiles = true
		case inFiles && strings.HasPrefix(trimmed, "- "):
			globs = append(globs, strings.TrimPrefix(trimmed, "- "))
		case inFiles && trimmed != "" && !strings.HasPrefix(trimmed, "#"):
			inFiles = false
		}
	}
	return globs
}

// TestGoreleaserArchiveFiles: the release archives carry the completions,
// the man pages and both init systems' service files, and every glob they
// name matches files (goreleaser check does not look).
func TestGoreleaserArchiveFiles(t *testing.T) {
	globs := archiveFiles(t)
	for _, want := range []string{"completions/*", "man/*.1", "packaging/openrc/*", "packaging/systemd/*"} {
		found := false
		for _, g := range globs {
			found = found || g == want
		}
		if !found {
			t.Errorf(".goreleaser.yaml archives.files has no %s (it has %q)", want, globs)
		}
	}
	for _, g := range globs {
		files(t, g)
	}
}
