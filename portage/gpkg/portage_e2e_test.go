// The real-portage test needs real portage in a venv: SWARM_PORTAGE_VENV,
// else the folder scripts/portage-venv.sh makes by default. Without it the
// test fails saying how to make it (testenv.PortageVenv).

package gpkg_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/internal/testenv"
	"github.com/swarm-build/swarm/portage/gpkg"
)

// A stock portage client with signature verification on installs packages
// real portage built and swarm renumbered and signed, from a Packages index
// swarm wrote, and refuses one whose image was changed after signing even
// when the index is re-hashed to match.
func TestRealPortageInstallsSignedPackages(t *testing.T) {
	venv, err := testenv.PortageVenv()
	if err != nil {
		t.Fatal(err)
	}
	work := openTempDir(t)
	key, err := gpkg.GenerateKey("Swarm Test Farm", "farm@example.invalid", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(work, "binhost-good")
	publish(t, good, key, nil)
	bad := filepath.Join(work, "binhost-tampered")
	publish(t, bad, key, func(name string, data []byte) []byte {
		if strings.HasPrefix(name, "hello-") {
			return flipMember(t, data, "image.tar.zst")
		}
		return data
	})

	out, err := clientInstall(t, venv, work, "good", good, key)
	if err != nil {
		t.Fatalf("install from the signed binhost failed: %v\n%s", err, out)
	}
	for _, want := range []string{"hello-1.0-4.gpkg.tar MD5 SHA1 size ;-)", ">>> Completed (2 of 2) app-misc/greeter-2.1::farm"} {
		if !strings.Contains(out, want) {
			t.Errorf("install output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "good", "usr", "bin", "greeter")); err != nil {
		t.Errorf("greeter not installed: %v", err)
	}
	t.Logf("signed install:\n%s", grepLines(out, ">>>", "ok ]"))

	out, err = clientInstall(t, venv, work, "tampered", bad, key)
	if err == nil {
		t.Fatalf("install of a tampered package succeeded:\n%s", out)
	}
	for _, want := range []string{"BAD signature", "GnuPG verification failed", ">>> Failed to emerge app-misc/hello-1.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("refusal output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "tampered", "usr", "share", "hello", "hello.txt")); err == nil {
		t.Error("the tampered hello was installed")
	}
	t.Logf("tampered refused:\n%s", grepLines(out, "!!!", "BAD", ">>> Failed"))
}

// publish rewrites the real fixtures with BUILD_ID 4 into dir (tamper, if
// given, may change a file after signing) and writes Packages for them.
func publish(t *testing.T, dir string, key *gpkg.Key, tamper func(string, []byte) []byte) {
	t.Helper()
	idx := &binhost.Index{Header: binhost.Block{"TIMESTAMP": strconv.FormatInt(time.Now().Unix(), 10)}}
	for _, src := range []string{"hello-1.0-1.gpkg.tar", "greeter-2.1-1.gpkg.tar"} {
		in, err := os.ReadFile(filepath.Join("testdata", "real", src))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		p, err := gpkg.Rewrite(&buf, bytes.NewReader(in), gpkg.RewriteOptions{BuildID: 4, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		name := p.Folder + ".gpkg.tar"
		if tamper != nil {
			data = tamper(name, data)
		}
		md := p.Metadata
		rel := filepath.Join(md.Get("CATEGORY"), pn(md.Get("PF")), name)
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(filepath.Join(dir, rel))
		e := binhost.Block{"CPV": p.CPV(), "PATH": rel, "SIZE": strconv.Itoa(len(data)),
			"MD5": sum(md5.New(), data), "SHA1": sum(sha1.New(), data), "MTIME": strconv.FormatInt(st.ModTime().Unix(), 10),
			"REPO": md.Get("repository")}
		for _, k := range []string{"BUILD_ID", "BUILD_TIME", "DEFINED_PHASES", "EAPI", "KEYWORDS", "LICENSE", "RDEPEND", "SLOT", "USE", "IUSE", "CHOST"} {
			e[k] = md.Get(k)
		}
		idx.Packages = append(idx.Packages, e)
	}
	f, err := os.Create(filepath.Join(dir, "Packages"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := idx.Write(f); err != nil {
		t.Fatal(err)
	}
}

// clientInstall sets up a client prefix trusting key, points it at a
// binhost served from dir, and runs emerge --getbinpkgonly of greeter.
func clientInstall(t *testing.T, venv, work, name, dir string, key *gpkg.Key) (string, error) {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	ep := filepath.Join(work, name)
	repo := filepath.Join(work, "repo")
	if _, err := os.Stat(repo); err != nil {
		mustRun(t, "bash", "testdata/realportage/make-repo.sh", repo)
	}
	home := filepath.Join(ep, "etc", "portage", "gnupg")
	mustRun(t, "bash", "testdata/realportage/setup-prefix.sh", ep, repo, filepath.Join(venv, "share", "portage", "config"),
		`BINPKG_GPG_VERIFY_GPG_HOME="`+home+`"`, `PORTAGE_TRUST_HELPER="/bin/true"`)
	conf := fmt.Sprintf("[farm-binhost]\npriority = 10\nsync-uri = %s\nverify-signature = true\n", srv.URL)
	if err := os.WriteFile(filepath.Join(ep, "etc", "portage", "binrepos.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	trust(t, home, key)
	cmd := exec.Command("bash", "-c", `. "$1/env.sh" && exec "$2/bin/emerge" --getbinpkgonly --usepkgonly app-misc/greeter`, "-", ep, venv)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// trust imports key into a gnupg home with ultimate trust, readable by the
// nobody user portage runs gpg as (README "Client settings that work").
func trust(t *testing.T, home string, key *gpkg.Key) {
	t.Helper()
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	var pub bytes.Buffer
	if err := key.WritePublic(&pub); err != nil {
		t.Fatal(err)
	}
	gpg := exec.Command("gpg", "--homedir", home, "--batch", "--import")
	gpg.Stdin = &pub
	if out, err := gpg.CombinedOutput(); err != nil {
		t.Fatalf("gpg --import: %v\n%s", err, out)
	}
	own := exec.Command("gpg", "--homedir", home, "--batch", "--import-ownertrust")
	own.Stdin = strings.NewReader(key.Fingerprint() + ":6:\n")
	if out, err := own.CombinedOutput(); err != nil {
		t.Fatalf("gpg --import-ownertrust: %v\n%s", err, out)
	}
	// Recompute the trust database now: portage's gpg runs as nobody and
	// cannot write it ("please do a --check-trustdb", TRUST_UNDEFINED).
	mustRun(t, "gpg", "--homedir", home, "--batch", "--check-trustdb")
	mustRun(t, "gpgconf", "--homedir", home, "--kill", "all")
	mustRun(t, "chmod", "-R", "u+rwX,go+rX", home)
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// openTempDir is t.TempDir made traversable by others: portage runs gpg as
// nobody, which needs o+x on every folder above the gnupg home.
func openTempDir(t *testing.T) string {
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func flipMember(t *testing.T, data []byte, member string) []byte {
	out := append([]byte(nil), data...)
	i := bytes.Index(out, []byte("/"+member+"\x00"))
	if i < 0 {
		t.Fatalf("no member %s", member)
	}
	out[(i/512)*512+512+20] ^= 0xff
	return out
}

func sum(h interface {
	Write([]byte) (int, error)
	Sum([]byte) []byte
}, data []byte) string {
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// pn is the package name of a PF in these fixtures (name-version).
func pn(pf string) string { return pf[:strings.LastIndex(pf, "-")] }

func grepLines(out string, subs ...string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		for _, s := range subs {
			if strings.Contains(l, s) {
				b.WriteString(l + "\n")
				break
			}
		}
	}
	return b.String()
}
