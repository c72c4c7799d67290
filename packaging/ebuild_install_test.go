package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// distfiles puts into the prefix's DISTDIR what the versioned ebuild's
// SRC_URI names: the source as GitHub's tag archive holds it (this working
// tree under swarm-VERSION/) and the vendor tarball as a release ships it
// (scripts/vendor-tarball.sh).
func (g *gentooPrefix) distfiles(t *testing.T, version string) {
	t.Helper()
	needTool(t, "xz", "apt-get install xz-utils")
	dist := filepath.Join(g.ep, "var", "cache", "distfiles")
	runOK(t, exec.Command("tar", "-C", repoRoot, "--exclude=./.git", "--exclude=./dist", "--exclude=./build",
		"--transform", "s,^\\.,swarm-"+version+",", "-czf", filepath.Join(dist, "swarm-"+version+".tar.gz"), "."))
	runOK(t, exec.Command("sh", filepath.Join(repoRoot, "scripts", "vendor-tarball.sh"), version, dist))
}

// TestEbuildInstallWithPortage: real portage writes the versioned ebuild's
// Manifest and runs its phases to the image, building swarm from the
// release's source and vendor tarball with no network (GOPROXY=off); the
// image holds the binary with its version, both init systems' services,
// the drone's example file, the man pages and the completions.
func TestEbuildInstallWithPortage(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds swarm inside portage")
	}
	const version = "0.1.0"
	needTool(t, "scanelf", "apt-get install pax-utils") // portage's estrip and QA checks run it
	g := newGentooPrefix(t)
	g.distfiles(t, version)
	// portage 3.0.83 unpacks with gtar, the name Gentoo's tar installs.
	bin := filepath.Join(g.ep, "testbin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(needTool(t, "tar", "apt-get install tar"), filepath.Join(bin, "gtar")); err != nil {
		t.Fatal(err)
	}
	gocache, err := exec.Command(goTool(t), "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"GOCACHE=" + strings.TrimSpace(string(gocache))}
	ebuild := filepath.Join(g.repo, "app-admin", "swarm", "swarm-"+version+".ebuild")
	out, err := g.runEnv(env, "ebuild", ebuild, "manifest", "clean", "install")
	if err != nil {
		t.Fatalf("ebuild manifest clean install: %v\n%s", err, out)
	}
	manifest, err := os.ReadFile(filepath.Join(g.repo, "app-admin", "swarm", "Manifest"))
	if err != nil || !strings.Contains(string(manifest), "DIST swarm-"+version+"-vendor.tar.xz ") {
		t.Errorf("Manifest: %v\n%s", err, manifest)
	}
	image := filepath.Join(g.ep, "var", "tmp", "portage", "app-admin", "swarm-"+version, "image", g.ep)
	checkImage(t, image, version)
}

// checkImage checks what src_install put in the image: paths and modes.
func checkImage(t *testing.T, image, version string) {
	t.Helper()
	want := map[string]os.FileMode{
		"usr/bin/swarm":                                     0o755,
		"etc/init.d/swarm-orchestrator":                     0o755,
		"etc/init.d/swarm-drone":                            0o755,
		"etc/conf.d/swarm-orchestrator":                     0o644,
		"etc/conf.d/swarm-drone":                            0o644,
		"usr/lib/systemd/system/swarm-orchestrator.service": 0o644,
		"usr/lib/systemd/system/swarm-drone.service":        0o644,
		"etc/swarm/drone.toml.example":                      0o644,
		"etc/logrotate.d/swarm":                             0o644,
		"usr/share/man/man1/swarm.1":                        0o644,
		"usr/share/man/man1/swarm-drone.1":                  0o644,
		"usr/share/bash-completion/completions/swarm":       0o644,
		"usr/share/zsh/site-functions/_swarm":               0o644,
		"usr/share/fish/vendor_completions.d/swarm.fish":    0o644,
	}
	for p, mode := range want {
		fi, err := os.Stat(filepath.Join(image, p))
		if err != nil {
			t.Errorf("image: %v", err)
			continue
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("image: %s has mode %v, want %v", p, fi.Mode().Perm(), mode)
		}
	}
	// /var/log/swarm is the services' to make (checkpath, LogsDirectory=).
	if _, err := os.Stat(filepath.Join(image, "var")); err == nil {
		t.Errorf("image: installs into /var, which the services make at start")
	}
	men, _ := filepath.Glob(filepath.Join(image, "usr", "share", "man", "man1", "*"))
	if src := files(t, "man/*.1"); len(men) != len(src) {
		t.Errorf("image: %d man pages, the source has %d", len(men), len(src))
	}
	out, err := exec.Command(filepath.Join(image, "usr", "bin", "swarm"), "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "swarm "+version+"\n") {
		t.Errorf("the image's swarm version: %v, %q; want %q first", err, out, "swarm "+version)
	}
}
