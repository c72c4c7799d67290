package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/binhost"
)

// TestBinpkgCutUploadRetried plays a drone whose connection drops half-way
// through an upload: the server records nothing (no rejected event, no
// promotion, no file under packages/ or /binhost/), leaves no staging file
// behind, and takes the same package again from the same claim
// (orchestrator/binpkg.go: a body that could not be read is not a verdict).
func TestBinpkgCutUploadRetried(t *testing.T) {
	t.Parallel()
	pkg, err := os.ReadFile(filepath.Join("..", "portage", "gpkg", "testdata", "real", "hello-1.0-1.gpkg.tar"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFarm(t)
	token := f.addDrone("flaky")
	f.serve()
	f.enqueue("=app-misc/hello-1.0")
	c := f.claim("flaky")
	if c.Atom == "" {
		t.Fatalf("claim: got none")
	}
	sum := sha256.Sum256(pkg)
	sha := hex.EncodeToString(sum[:])
	f.cutUpload("flaky", token, c.Atom, c.Fence, sha, pkg, len(pkg)/2)
	f.waitFor(startTimeout, "the server to notice the cut upload", func() (bool, string) {
		out, _ := os.ReadFile(f.logFile("server"))
		return strings.Contains(string(out), "not received whole"), "server output:\n" + tailLines(string(out), 20)
	})
	staging := filepath.Join(f.root, ".swarm", "binhost", binhost.StagingDir)
	if left := dirNames(t, staging); len(left) != 0 {
		t.Errorf("staging holds %v after the cut upload", left)
	}
	if left := packageFiles(t, filepath.Join(f.root, ".swarm", "binhost", binhost.PackagesDir)); len(left) != 0 {
		t.Errorf("packages/ holds %v after the cut upload", left)
	}
	if code, _ := f.getBinhost("app-misc/hello/hello-1.0-1.gpkg.tar"); code != http.StatusNotFound {
		t.Errorf("GET the package after the cut upload: HTTP %d, want 404", code)
	}
	for _, e := range f.events() {
		if e.Type == "rejected" || e.Type == "binpkg_uploaded" || e.Type == "promoted" {
			t.Errorf("the cut upload recorded %s", e)
		}
	}
	code, body := f.upload("flaky", token, c.Atom, c.Fence, sha, pkg)
	if code == http.StatusConflict {
		// The lease ran out on a slow machine (this drone sends no
		// heartbeats): the package is needed again, so claim it anew.
		f.waitEvent(startTimeout, "the lease's reclaim", func(e event) bool { return e.Type == "reclaimed" })
		c = f.claim("flaky")
		code, body = f.upload("flaky", token, c.Atom, c.Fence, sha, pkg)
	}
	if code != http.StatusOK {
		t.Fatalf("the whole upload from the same claim: HTTP %d %s, want 200", code, body)
	}
	if p := f.promotions(); len(p) != 1 || p[0].CPV != "app-misc/hello-1.0" || p[0].Drone != "flaky" {
		t.Errorf("promotions %+v, want hello-1.0 from flaky", p)
	}
	if left := dirNames(t, staging); len(left) != 0 {
		t.Errorf("staging holds %v after both uploads", left)
	}
}

// cutUpload sends a binpkg request announcing body's full size but writes
// only its first n bytes, then closes the connection.
func (f *farm) cutUpload(id, token, atom string, fence uint64, sha string, body []byte, n int) {
	f.t.Helper()
	u, err := url.Parse(f.url)
	if err != nil {
		f.t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		f.t.Fatal(err)
	}
	defer conn.Close()
	q := fmt.Sprintf("?atom=%s&fence=%d&name=x.gpkg.tar&sha256=%s&size=%d", url.QueryEscape(atom), fence, sha, len(body))
	head := fmt.Sprintf("POST /v1/drones/%s/binpkg%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", id, q, u.Host, token, len(body))
	if _, err := conn.Write(append([]byte(head), body[:n]...)); err != nil {
		f.t.Fatalf("writing half an upload: %v", err)
	}
}

// packageFiles lists the packages (*.gpkg.tar) under dir.
func packageFiles(t *testing.T, dir string) []string {
	t.Helper()
	var pkgs []string
	for _, name := range dirNames(t, dir) {
		if strings.HasSuffix(name, ".gpkg.tar") {
			pkgs = append(pkgs, name)
		}
	}
	return pkgs
}

// dirNames lists the files under a folder; a missing folder has none.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		if os.IsNotExist(err) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
