package packaging

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/internal/testenv"
)

// gentooPrefix is a throwaway portage prefix (portage's own setup for the
// real-portage tests) whose one repository is a copy of our overlay with
// the eclass stand-ins of testdata/eclass.
type gentooPrefix struct {
	venv, ep, repo string
}

func newGentooPrefix(t *testing.T) *gentooPrefix {
	t.Helper()
	venv, err := testenv.PortageVenv()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	g := &gentooPrefix{venv: venv, ep: filepath.Join(work, "prefix"), repo: filepath.Join(work, "repo")}
	runOK(t, exec.Command("bash", "testdata/make-overlay.sh", "gentoo", g.repo))
	setup := filepath.Join(repoRoot, "portage", "gpkg", "testdata", "realportage", "setup-prefix.sh")
	runOK(t, exec.Command("bash", setup, g.ep, g.repo, filepath.Join(venv, "share", "portage", "config"),
		`PORTAGE_COMPRESS=""`))
	conf := "[DEFAULT]\nmain-repo = swarm\n[swarm]\nlocation = " + g.repo + "\n"
	if err := os.WriteFile(filepath.Join(g.ep, "etc", "portage", "repos.conf", "farm.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return g
}

// run runs a tool of the venv in the prefix; out is stdout and stderr.
func (g *gentooPrefix) run(tool string, args ...string) (string, error) {
	return g.runEnv(nil, tool, args...)
}

// runEnv is run with more environment: KEY=VALUE entries.
func (g *gentooPrefix) runEnv(env []string, tool string, args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{"-c", `. "$0/env.sh" && exec "$@"`, g.ep,
		filepath.Join(g.venv, "bin", tool)}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (g *gentooPrefix) mustRun(t *testing.T, tool string, args ...string) string {
	t.Helper()
	out, err := g.run(tool, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return out
}

func runOK(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

// md5Cache reads one package's metadata as portage generated it.
func (g *gentooPrefix) md5Cache(t *testing.T, cpv string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(g.repo, "metadata", "md5-cache", cpv))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[k] = v
		}
	}
	return m
}

// TestEbuildMetadataWithPortage: real portage (egencache) sources every
// ebuild of the overlay and generates its metadata, which says what the
// ebuilds mean to say, and emerge finds each package valid and visible
// (the live one with its keywords accepted); an ebuild with a broken
// dependency is refused the same way (so a pass means something).
func TestEbuildMetadataWithPortage(t *testing.T) {
	g := newGentooPrefix(t)
	broken := filepath.Join(g.repo, "app-admin", "swarm", "swarm-0.0.1.ebuild")
	b, err := os.ReadFile(filepath.Join(g.repo, "app-admin", "swarm", "swarm-0.1.0.ebuild"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte(strings.Replace(string(b), "\tacct-group/swarm\n", "\t>=acct-group/swarm\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := g.mustRun(t, "egencache", "--update", "--repo", "swarm"); strings.Contains(out, "!!!") {
		t.Fatalf("egencache complained:\n%s", out)
	}
	tests := []struct {
		cpv  string
		want map[string]string // key → substring of its value
	}{
		{"app-admin/swarm-9999", map[string]string{"EAPI": "8", "SLOT": "0", "PROPERTIES": "live",
			"RDEPEND": "acct-user/swarm", "BDEPEND": ">=dev-lang/go-1.26.8",
			"DEFINED_PHASES": "compile config install postinst unpack"}},
		{"app-admin/swarm-0.1.0", map[string]string{"EAPI": "8", "KEYWORDS": "~arm64",
			"SRC_URI": "swarm-0.1.0-vendor.tar.xz", "RDEPEND": "acct-group/swarm", "RESTRICT": "test"}},
		{"acct-user/swarm-0", map[string]string{"EAPI": "8", "RDEPEND": "acct-group/swarm"}},
		{"acct-group/swarm-0", map[string]string{"EAPI": "8", "SLOT": "0"}},
	}
	for _, tt := range tests {
		md := g.md5Cache(t, tt.cpv)
		for k, v := range tt.want {
			if !strings.Contains(md[k], v) {
				t.Errorf("%s: %s=%q, want it to hold %q", tt.cpv, k, md[k], v)
			}
		}
		keywords := "amd64 ~amd64"
		if strings.HasSuffix(tt.cpv, "-9999") {
			keywords = "**"
		}
		if out, err := g.runEnv([]string{"ACCEPT_KEYWORDS=" + keywords}, "emerge", "--pretend", "--nodeps", "--oneshot", "="+tt.cpv); err != nil ||
			!strings.Contains(out, "[ebuild  N") {
			t.Errorf("emerge --pretend =%s (ACCEPT_KEYWORDS=%s): %v\n%s", tt.cpv, keywords, err, out)
		}
	}
	out, err := g.run("emerge", "--pretend", "--nodeps", "--oneshot", "=app-admin/swarm-0.0.1")
	if err == nil || !strings.Contains(out, "invalid: RDEPEND") {
		t.Errorf("emerge --pretend on an ebuild with a bad atom: %v, want it masked as invalid\n%s", err, out)
	}
}
