package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSecondServeRefused: a second `swarm serve` on a state folder a server
// runs on exits 1 naming the first's pid and address, and leaves the
// first's files alone; after the first is killed with -9 (leaving a stale
// serve.json) a new server starts, since the lock, not the file, decides.
func TestSecondServeRefused(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.serve()
	first := f.server
	infoPath := filepath.Join(f.root, ".swarm", "serve.json")
	before, err := os.ReadFile(infoPath)
	if err != nil {
		t.Fatal(err)
	}

	second, err := startProc("second server", f.logFile("server2"), f.baseEnv(),
		swarmBin, "--dir", f.root, "serve", "--listen", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	code, ok := second.wait(startTimeout)
	if !ok {
		second.kill9()
		t.Fatalf("a second swarm serve on the same folder kept running")
	}
	out, _ := os.ReadFile(f.logFile("server2"))
	if code != 1 {
		t.Errorf("second serve exited %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{strconv.Itoa(first.pid()), f.url} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second serve's refusal does not name %q:\n%s", want, out)
		}
	}
	after, err := os.ReadFile(infoPath)
	if err != nil || string(after) != string(before) {
		t.Errorf("serve.json changed by the refused server: %q (err %v), was %q", after, err, before)
	}
	if !healthy(f.url) {
		t.Errorf("the first server stopped answering after the second was refused")
	}

	first.kill9()
	if _, ok := first.wait(startTimeout); !ok {
		t.Fatal("swarm serve survived kill -9")
	}
	if _, err := os.Stat(infoPath); err != nil {
		t.Fatalf("the killed server's serve.json should be left behind for this test: %v", err)
	}
	f.serve() // fails the test unless a new server starts and writes its own serve.json
	if f.server.pid() == first.pid() {
		t.Fatal("serve() did not start a new server")
	}
}

// TestStateFilesPrivate: everything under .swarm is 0600 in 0700 folders,
// after init, a farm run with snapshots, a torn-tail cut and a second
// server refused; a folder loosened by hand is made private by serve.
func TestStateFilesPrivate(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"log.snapshot_every", "5"})
	dir := filepath.Join(f.root, ".swarm")
	checkPrivate(t, dir, "after init")

	// Loosened by hand (or made by an older swarm): serve tightens it.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "config.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.addDrone("d1")
	f.serve()
	f.startDrone("d1", droneOpts{})
	atoms := realAtoms(t, 200, 6)
	f.enqueue(atoms...)
	if s := f.waitSettled(2 * startTimeout); s.Queue.Built != len(atoms) {
		t.Fatalf("queue %+v, want %d built", s.Queue, len(atoms))
	}
	f.swarm("pause", "--reason", "snapshot please")

	snaps, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*.snap"))
	if len(snaps) == 0 {
		t.Fatalf("no snapshot was written; the test would not check its mode")
	}
	checkPrivate(t, dir, "after a farm run")

	f.stopDrone("d1")
	f.stopServer()
	segs, _ := filepath.Glob(filepath.Join(dir, "events", "*.seg"))
	tail := segs[len(segs)-1]
	fh, err := os.OpenFile(tail, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.Write([]byte("half a frame"))
	fh.Close()
	f.swarm("resume") // a writer: cuts the torn tail and saves it beside the segment
	if torn, _ := filepath.Glob(tail + ".torn-*"); len(torn) != 1 {
		t.Fatalf("no saved torn tail beside %s: %v", tail, torn)
	}
	checkPrivate(t, dir, "after a torn-tail cut")
}

// checkPrivate fails the test for any folder under dir (and dir) not 0700
// and any file not 0600.
func checkPrivate(t *testing.T, dir, when string) {
	t.Helper()
	var bad []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			bad = append(bad, err.Error())
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			bad = append(bad, fmt.Sprintf("%s is %o, want %o", p, fi.Mode().Perm(), want))
		}
		return nil
	})
	if len(bad) > 0 {
		t.Errorf("%s, .swarm is not private:\n%s", when, strings.Join(bad, "\n"))
	}
}
