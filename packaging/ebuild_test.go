package packaging

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The overlay's ebuilds: what a Gentoo developer checks before pushing,
// as far as this machine allows. bash -n and the metadata files here;
// real portage (the PyPI venv) in ebuild_portage_test.go. pkgcheck cannot
// run here: it scans against ::gentoo (eclasses, licences, profiles), which
// only a Gentoo machine or a git clone has, and the pkgcore that PyPI ships
// now refuses to start under bash older than 5.3 (Debian 12 has 5.2).

func ebuilds(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob("gentoo/*/*/*.ebuild")
	if err != nil || len(m) < 4 {
		t.Fatalf("ebuilds in gentoo/: %q, %v; want app-admin/swarm (two), acct-user and acct-group", m, err)
	}
	return m
}

// TestEbuildsParse: every ebuild parses with bash -n, is EAPI 8 with the
// GPL-2 header ::gentoo asks for, and is named for its folder; every
// package has a well-formed metadata.xml and a category profiles lists.
func TestEbuildsParse(t *testing.T) {
	bash := needTool(t, "bash", "apt-get install bash")
	cats, err := os.ReadFile("gentoo/profiles/categories")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ebuilds(t) {
		if out, err := exec.Command(bash, "-n", e).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", e, err, out)
		}
		b, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if !strings.HasPrefix(text, "# Copyright 2026 Gentoo Authors\n# Distributed under the terms of the GNU General Public License v2\n\nEAPI=8\n") {
			t.Errorf("%s: does not start with the ::gentoo header and EAPI=8", e)
		}
		pkgDir := filepath.Dir(e)
		if !strings.HasPrefix(filepath.Base(e), filepath.Base(pkgDir)+"-") {
			t.Errorf("%s: not named for its package folder", e)
		}
		cat := filepath.Base(filepath.Dir(pkgDir))
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(cat) + `$`).Match(cats) {
			t.Errorf("%s: category %s not in profiles/categories", e, cat)
		}
		checkMetadataXML(t, filepath.Join(pkgDir, "metadata.xml"))
	}
}

// checkMetadataXML: well-formed, with a maintainer's email.
func checkMetadataXML(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		XMLName    xml.Name `xml:"pkgmetadata"`
		Maintainer []struct {
			Email string `xml:"email"`
		} `xml:"maintainer"`
	}
	if err := xml.Unmarshal(b, &md); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(md.Maintainer) == 0 || md.Maintainer[0].Email == "" {
		t.Errorf("%s: no maintainer email", path)
	}
}

// installSource matches the files src_install takes from the source tree.
var installSource = regexp.MustCompile(`(?:packaging|man|completions)/[^\s"']+`)

// TestEbuildInstallSources: every file the swarm ebuild installs from the
// source tree exists, so renaming a service file cannot break the package
// unnoticed; the services' files are all installed.
func TestEbuildInstallSources(t *testing.T) {
	b, err := os.ReadFile("gentoo/app-admin/swarm/swarm-9999.ebuild")
	if err != nil {
		t.Fatal(err)
	}
	named := installSource.FindAllString(string(b), -1)
	for _, p := range named {
		files(t, p)
	}
	for _, want := range []string{"openrc/swarm-orchestrator.initd", "openrc/swarm-orchestrator.confd",
		"openrc/swarm-drone.initd", "openrc/swarm-drone.confd", "systemd/swarm-orchestrator.service",
		"systemd/swarm-drone.service", "drone.toml.example", "logrotate/swarm"} {
		if !strings.Contains(string(b), "packaging/"+want) {
			t.Errorf("the ebuild does not install packaging/%s", want)
		}
	}
}
