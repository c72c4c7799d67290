package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBinhostPipeline runs the whole path from a drone's build to what a
// client fetches, with the real binary: drones that make bad packages (zero
// bytes, a Manifest that does not match, another CPV) get each upload
// rejected with its reason, and the packages are built again by good
// drones; every good package is uploaded, verified, given the farm's
// BUILD_ID (1, then 2 when the same CPVs are built again), signed and
// promoted; the served Packages index lists exactly the promotions, with
// the SIZE, MD5 and SHA1 of the served files, each of which verifies with
// the farm's public key. Throughout, a watch fetches what clients can
// see: nothing unverified ever appears under /binhost/.
func TestBinhostPipeline(t *testing.T) {
	t.Parallel()
	// A rejection is a failure on the drone that made the package: with
	// the default two-drone rule, two bad drones rejected on one package
	// would fail it before a good drone had its turn.
	f := newFarm(t, setting{"farm.fail_after_drones", "4"})
	bad := map[string]string{"bad-zero": "zero", "bad-manifest": "manifest", "bad-cpv": "cpv"}
	wantCheck := map[string]string{"bad-zero": "empty", "bad-manifest": "manifest", "bad-cpv": "cpv"}
	good := []string{"good1", "good2"}
	for id := range bad {
		f.addDrone(id)
	}
	for _, id := range good {
		f.addDrone(id)
	}
	f.serve()
	ring := f.farmKeyring()
	watch := f.watchBinhost(ring)
	atoms := []string{"=app-misc/hello-1.0", "=dev-libs/libfoo-2.1-r1", "app-misc/greeter-0.3:2"}
	cpvs := []string{"app-misc/hello-1.0", "dev-libs/libfoo-2.1-r1", "app-misc/greeter-0.3"}
	const nopkg = "=app-misc/nopkg-1" // built, but its build leaves no package
	f.enqueue(append(atoms, nopkg)...)

	// The bad drones alone first: each has an upload rejected, naming why.
	for id, mode := range bad {
		f.startDrone(id, droneOpts{env: []string{"FAKE_EMERGE_BAD_PKG=" + mode}})
	}
	for id := range bad {
		e := f.waitEvent(startTimeout, "a rejected upload of "+id, func(e event) bool {
			return e.Type == "rejected" && e.Drone == id
		})
		if e.Signature != wantCheck[id] || e.Reason == "" {
			t.Errorf("%s: rejected %s (%q), want check %q and a reason", id, e.Signature, e.Reason, wantCheck[id])
		}
		f.waitEvent(startTimeout, "the rejection counted as a failure on "+id, func(e event) bool {
			return e.Type == "failed" && e.Drone == id && e.Signature == "rejected-"+wantCheck[id]
		})
	}
	for id := range bad {
		f.killDrone(id)
	}
	if p := f.promotions(); len(p) != 0 {
		t.Fatalf("bad packages were promoted: %+v", p)
	}

	// The good drones build them all; then every CPV is built once more.
	if b := f.binary(); b.Available != 0 || b.Total != 4 {
		t.Errorf("status binary %+v before any promotion, want 0/4", b)
	}
	for _, id := range good {
		f.startDrone(id, droneOpts{env: []string{"FAKE_EMERGE_NO_PKG=app-misc/nopkg-*"}})
	}
	f.waitPromoted(cpvs, 1)
	f.enqueue(atoms...)
	f.waitPromoted(cpvs, 2)

	proms := f.promotions()
	ids := map[string][]uint64{}
	for _, p := range proms {
		ids[p.CPV] = append(ids[p.CPV], p.BuildID)
		if p.Drone != "good1" && p.Drone != "good2" {
			t.Errorf("%s promoted from %s, want a good drone's", p.CPV, p.Drone)
		}
	}
	for _, cpv := range cpvs {
		if fmt.Sprint(ids[cpv]) != "[1 2]" {
			t.Errorf("%s: BUILD_IDs %v, want [1 2]", cpv, ids[cpv])
		}
	}

	// The index lists exactly the promotions, once it has caught up.
	want := map[string]bool{}
	for _, p := range proms {
		want[fmt.Sprintf("%s %d packages/%s", p.CPV, p.BuildID, p.Path)] = true
	}
	f.waitFor(90*time.Second, "the index to list every promotion", func() (bool, string) {
		x := f.index()
		if x == nil {
			return false, "no index"
		}
		got := map[string]bool{}
		for _, e := range x.Packages {
			got[fmt.Sprintf("%s %s packages/%s", e["CPV"], e["BUILD_ID"], e["PATH"])] = true
		}
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprintf("index %v, promotions %v", got, want)
	})
	for _, e := range f.index().Packages {
		for _, p := range f.checkServed(e, ring) {
			t.Error(p)
		}
	}

	// Status and queue say what clients find: the package without a
	// binary package is missing.
	if b := f.binary(); b.Available != 3 || b.Total != 4 {
		t.Errorf("status binary %+v, want 3/4", b)
	}
	if out := f.swarm("status"); !strings.Contains(out, "Binary:  75.0% available (3/4)") {
		t.Errorf("swarm status does not say 75.0%% available (3/4):\n%s", out)
	}
	for _, r := range f.queueBinary() {
		if want := r.Atom != strings.TrimPrefix(nopkg, "="); r.Binary != want || r.State != "built" {
			t.Errorf("queue row %+v, want built with binary %v", r, want)
		}
	}
	if out := f.swarm("queue"); !regexp.MustCompile(`(?m)^app-misc/nopkg-1 +built +\S+ +missing `).MatchString(out) {
		t.Errorf("swarm queue does not show app-misc/nopkg-1's binary missing:\n%s", out)
	}

	polls, files, problems := watch.end(t)
	for _, p := range problems {
		t.Error(p)
	}
	if len(files) != len(proms) {
		t.Errorf("the watch saw %d package files served, want the %d promoted", len(files), len(proms))
	}
	t.Logf("binhost polled %d times; %d packages promoted", polls, len(proms))
}

// binary is `swarm status --json`'s binary object.
func (f *farm) binary() (b struct{ Available, Total int }) {
	f.t.Helper()
	var s struct {
		Binary struct {
			Available int `json:"available"`
			Total     int `json:"total"`
		} `json:"binary"`
	}
	f.swarmJSON(&s, "status")
	b.Available, b.Total = s.Binary.Available, s.Binary.Total
	return b
}

// queueBinary is `swarm queue --json` with each row's binary key.
func (f *farm) queueBinary() []struct {
	Atom   string `json:"atom"`
	State  string `json:"state"`
	Binary bool   `json:"binary"`
} {
	f.t.Helper()
	var rows []struct {
		Atom   string `json:"atom"`
		State  string `json:"state"`
		Binary bool   `json:"binary"`
	}
	f.swarmJSON(&rows, "queue")
	return rows
}

// waitPromoted waits until each CPV has n promoted builds and nothing is
// left to build.
func (f *farm) waitPromoted(cpvs []string, n int) {
	f.t.Helper()
	f.waitFor(90*time.Second, fmt.Sprintf("%d promotions of each of %v", n, cpvs), func() (bool, string) {
		count := map[string]int{}
		for _, p := range f.promotions() {
			count[p.CPV]++
		}
		for _, cpv := range cpvs {
			if count[cpv] < n {
				return false, fmt.Sprintf("promotions %v", count)
			}
		}
		s := f.status()
		return s.Queue.Needed == 0 && s.Queue.Building == 0, fmt.Sprintf("queue %+v", s.Queue)
	})
}

// TestBinpkgLyingHashRejected plays a drone over HTTP that uploads a good
// package under a SHA-256 that is not the body's: the orchestrator answers
// 422 rejected, records a rejected event naming the check, takes the
// package back, and publishes nothing.
func TestBinpkgLyingHashRejected(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	token := f.addDrone("liar")
	f.serve()
	if code, body := f.post("liar", token, "register", map[string]any{"cores": 1, "health": "healthy"}); code != http.StatusOK {
		t.Fatalf("register: HTTP %d %s", code, body)
	}
	f.enqueue("=dev-libs/libfoo-1.0")
	var claim struct {
		Claim *struct {
			Atom  string `json:"atom"`
			Fence uint64 `json:"fence"`
		} `json:"claim"`
	}
	code, body := f.post("liar", token, "claim", map[string]any{"wait_ms": 10000})
	if err := json.Unmarshal(body, &claim); code != http.StatusOK || err != nil || claim.Claim == nil {
		t.Fatalf("claim: HTTP %d %s (%v)", code, body, err)
	}
	pkg := buildPackage(t, claim.Claim.Atom)
	lie := sha256.Sum256(append([]byte("not "), pkg...))
	code, body = f.upload("liar", token, claim.Claim.Atom, claim.Claim.Fence, hex.EncodeToString(lie[:]), pkg)
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"rejected"`) {
		t.Fatalf("upload with a wrong sha256: HTTP %d %s, want 422 rejected", code, body)
	}
	e := f.waitEvent(startTimeout, "the rejected event", func(e event) bool { return e.Type == "rejected" })
	if e.Drone != "liar" || e.Signature != "sha256" || e.Reason == "" {
		t.Errorf("rejected event %s, want liar's, check sha256, with a reason", e)
	}
	for _, r := range f.queue() {
		if r.State != "needed" {
			t.Errorf("queue row %+v, want the package needed again", r)
		}
	}
	if p := f.promotions(); len(p) != 0 {
		t.Errorf("promoted %+v", p)
	}
	if code, _ := f.getBinhost("dev-libs/libfoo/libfoo-1.0-1.gpkg.tar"); code != http.StatusNotFound {
		t.Errorf("GET the package: HTTP %d, want 404", code)
	}
}

// buildPackage runs fake-emerge for atom and returns the package it made.
func buildPackage(t *testing.T, atom string) []byte {
	t.Helper()
	pkgdir := filepath.Join(t.TempDir(), "pkgdir")
	cmd := exec.Command(testdata("fake-emerge"), "="+strings.TrimPrefix(atom, "="))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PKGDIR=" + pkgdir}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fake-emerge: %v\n%s", err, out)
	}
	var pkg []byte
	_ = filepath.WalkDir(pkgdir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".gpkg.tar") {
			pkg, err = os.ReadFile(path)
		}
		return err
	})
	if len(pkg) == 0 {
		t.Fatalf("fake-emerge left no package in %s", pkgdir)
	}
	return pkg
}

// upload POSTs a package body to /v1/drones/ID/binpkg as CONTRACT9 says.
func (f *farm) upload(id, token, atom string, fence uint64, sha string, body []byte) (int, []byte) {
	f.t.Helper()
	q := fmt.Sprintf("?atom=%s&fence=%d&name=x.gpkg.tar&sha256=%s&size=%d", url.QueryEscape(atom), fence, sha, len(body))
	req, err := http.NewRequest(http.MethodPost, f.url+"/v1/drones/"+id+"/binpkg"+q, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	c := http.Client{Timeout: cliTimeout}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("POST binpkg: %v", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("POST binpkg: reading the answer: %v", err)
	}
	return resp.StatusCode, out
}
