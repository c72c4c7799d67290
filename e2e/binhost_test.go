package e2e

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/portage/gpkg"
)

// promotion is a promoted event as `swarm log --json` prints it.
type promotion struct {
	Atom    string `json:"atom"`
	Drone   string `json:"drone"`
	CPV     string `json:"cpv"`
	BuildID uint64 `json:"build_id"`
	Path    string `json:"path"`
}

// promotions returns the promoted events, oldest first.
func (f *farm) promotions() []promotion {
	f.t.Helper()
	var out []promotion
	for line := range strings.Lines(f.swarm("log", "--json", "--type", "promoted")) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var p promotion
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			f.t.Fatalf("swarm log --json: %v in %q", err, line)
		}
		out = append(out, p)
	}
	return out
}

// farmKeyring is the farm's public key as `swarm binhost key` prints it,
// checked against what /binhost/KEY.asc serves.
func (f *farm) farmKeyring() openpgp.EntityList {
	f.t.Helper()
	pub := f.swarm("binhost", "key")
	code, served := f.getBinhost("KEY.asc")
	if code != http.StatusOK || string(served) != pub {
		f.t.Fatalf("GET /binhost/KEY.asc: HTTP %d, %d bytes; want the key `swarm binhost key` prints", code, len(served))
	}
	ring, err := openpgp.ReadArmoredKeyRing(strings.NewReader(pub))
	if err != nil {
		f.t.Fatalf("swarm binhost key: %v", err)
	}
	return ring
}

// getBinhost fetches /binhost/PATH from the orchestrator.
func (f *farm) getBinhost(path string) (int, []byte) {
	c := http.Client{Timeout: cliTimeout}
	resp, err := c.Get(f.url + "/binhost/" + path)
	if err != nil {
		f.t.Errorf("GET /binhost/%s: %v", path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Errorf("GET /binhost/%s: %v", path, err)
	}
	return resp.StatusCode, body
}

// index fetches and parses /binhost/Packages; nil before the first one.
func (f *farm) index() *binhost.Index {
	code, body := f.getBinhost("Packages")
	if code == http.StatusNotFound {
		return nil
	}
	x, err := binhost.Parse(bytes.NewReader(body))
	if code != http.StatusOK || err != nil {
		f.t.Errorf("GET /binhost/Packages: HTTP %d: %v", code, err)
		return nil
	}
	return x
}

// checkServed fetches the package an index entry names and checks it is
// what the entry says (SIZE, MD5, SHA1) and a package the farm signed,
// of the entry's CPV and BUILD_ID. It returns the problems.
func (f *farm) checkServed(e binhost.Block, ring openpgp.EntityList) []string {
	code, body := f.getBinhost(e["PATH"])
	if code != http.StatusOK {
		return []string{fmt.Sprintf("%s: GET %s: HTTP %d", e["CPV"], e["PATH"], code)}
	}
	var bad []string
	md, sh := md5.Sum(body), sha1.Sum(body)
	if got := fmt.Sprint(len(body)); got != e["SIZE"] {
		bad = append(bad, fmt.Sprintf("%s: SIZE %s, the file has %s bytes", e["CPV"], e["SIZE"], got))
	}
	if hex.EncodeToString(md[:]) != e["MD5"] || hex.EncodeToString(sh[:]) != e["SHA1"] {
		bad = append(bad, fmt.Sprintf("%s: MD5/SHA1 of the entry differ from the served file's", e["CPV"]))
	}
	p, err := gpkg.Read(bytes.NewReader(body), &gpkg.Options{Keyring: ring})
	switch {
	case err != nil:
		bad = append(bad, fmt.Sprintf("%s: %s does not verify with the farm's key: %v", e["CPV"], e["PATH"], err))
	case p.CPV() != e["CPV"] || fmt.Sprint(p.BuildID()) != e["BUILD_ID"] || p.Signer == "":
		bad = append(bad, fmt.Sprintf("%s: the file is %s build %d (signer %q), the entry says BUILD_ID %s",
			e["CPV"], p.CPV(), p.BuildID(), p.Signer, e["BUILD_ID"]))
	}
	return bad
}

// binhostWatch polls what clients can see while a test runs: the index
// and every package file in the binhost's packages folder. Each must be
// a package the farm verified and signed: nothing unverified may ever be
// visible under /binhost/.
type binhostWatch struct {
	mu       sync.Mutex
	polls    int
	files    map[string]bool // package files seen served
	problems []string
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// halt stops the watch and waits for its last poll to end.
func (w *binhostWatch) halt() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
}

func (f *farm) watchBinhost(ring openpgp.EntityList) *binhostWatch {
	w := &binhostWatch{files: map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	// A test that fails before it ends the watch must not leave it
	// polling (and reporting) after the test is over.
	f.t.Cleanup(w.halt)
	dir := filepath.Join(f.root, ".swarm", "binhost", binhost.PackagesDir)
	go func() {
		defer close(w.done)
		for {
			bad, seen := f.pollBinhost(dir, ring)
			w.mu.Lock()
			w.polls++
			w.problems = append(w.problems, bad...)
			for _, s := range seen {
				w.files[s] = true
			}
			w.mu.Unlock()
			select {
			case <-w.stop:
				return
			case <-time.After(pollEvery):
			}
		}
	}()
	return w
}

// pollBinhost checks once every entry of the served index and every
// package file under dir (temporary files start with a dot, and are not
// served), as a client would fetch them.
func (f *farm) pollBinhost(dir string, ring openpgp.EntityList) (bad, seen []string) {
	if x := f.index(); x != nil {
		for _, e := range x.Packages {
			bad = append(bad, f.checkServed(e, ring)...)
		}
	}
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") || !strings.HasSuffix(d.Name(), ".gpkg.tar") {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		code, body := f.getBinhost(rel)
		if code == http.StatusNotFound {
			return nil // pruned meanwhile
		}
		seen = append(seen, rel)
		if _, err := gpkg.Read(bytes.NewReader(body), &gpkg.Options{Keyring: ring}); err != nil {
			bad = append(bad, fmt.Sprintf("served %s (HTTP %d, %d bytes) is not a package the farm signed: %v", rel, code, len(body), err))
		}
		return nil
	})
	return bad, seen
}

// end stops the watch once it has polled at least once more, and returns
// its findings.
func (w *binhostWatch) end(t *testing.T) (polls int, files map[string]bool, problems []string) {
	t.Helper()
	w.mu.Lock()
	before := w.polls
	w.mu.Unlock()
	deadline := time.Now().Add(startTimeout)
	for {
		w.mu.Lock()
		n := w.polls
		w.mu.Unlock()
		if n > before+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the binhost watch stopped polling")
		}
		time.Sleep(pollEvery)
	}
	w.halt()
	return w.polls, w.files, w.problems
}
