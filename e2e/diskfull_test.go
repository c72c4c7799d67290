package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/api"
)

// TestDiskFullThenFreed: with .swarm on a small tmpfs filled up, the CLI
// and the server fail to append, /v1/health answers 503 with the reason
// and `swarm status` says so; once space is freed the server recovers by
// itself (no restart): every event from before is still there, the queue
// drains and `swarm verify` passes.
func TestDiskFullThenFreed(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	dir := filepath.Join(f.root, ".swarm")
	mountSmallTmpfs(t, dir)
	tok := f.addDrone("d1")
	f.serve()
	atoms := realAtoms(t, 400, 4)
	f.enqueue(atoms[:2]...)
	before := f.events()

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	// The segment's last page may have room for a small frame: enqueue more
	// than a page's worth.
	_, errOut, code := f.run(append([]string{"enqueue"}, realAtoms(t, 1000, 300)...)...)
	if code != 1 || !strings.Contains(errOut, "no space left") {
		t.Errorf("enqueue on a full disk: exit %d, stderr %q; want 1 and the reason", code, errOut)
	}
	// A drone registering by hand until the server's append fails.
	reg := api.RegisterRequest{Cores: 1, Slots: 1, Version: "dev"}
	for i := 0; ; i++ {
		code, b := f.post("d1", tok, api.VerbRegister, reg)
		if code != http.StatusOK {
			if !strings.Contains(string(b), "no space left") {
				t.Errorf("register on a full disk: HTTP %d %s; want the reason", code, b)
			}
			break
		}
		if i == 200 {
			t.Fatal("200 registers on a full disk all succeeded")
		}
	}
	var body string
	f.waitFor(startTimeout, "/v1/health to answer 503 with the reason", func() (bool, string) {
		code, b := getHealth(t, f.url)
		body = b
		return code == http.StatusServiceUnavailable && strings.Contains(b, "no space left"), b
	})
	var ready struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || ready.OK || ready.Error == "" {
		t.Errorf("health body %q: want JSON with ok false and the error", body)
	}
	if out, _, _ := f.run("status"); !strings.Contains(out, "cannot write the event log") {
		t.Errorf("swarm status does not show that the server cannot write:\n%s", out)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	f.waitFor(startTimeout, "the server to recover by itself", func() (bool, string) {
		code, b := getHealth(t, f.url)
		return code == http.StatusOK, b
	})
	f.startDrone("d1", droneOpts{})
	f.enqueue(atoms[2:]...)
	if s := f.waitSettled(2 * startTimeout); s.Queue.Built != len(atoms) {
		t.Fatalf("queue %+v, want all %d built", s.Queue, len(atoms))
	}
	after := f.events()
	if len(after) < len(before) || !reflect.DeepEqual(after[:len(before)], before) {
		t.Fatalf("events from before the disk filled changed:\nbefore %v\nafter  %v", before, after[:min(len(after), len(before))])
	}
	f.swarm("verify")
	if out := f.swarm("status"); strings.Contains(out, "cannot write") {
		t.Errorf("status still says the server cannot write:\n%s", out)
	}
	f.checkCompletionsBuilt()
}

// mountSmallTmpfs mounts a 2 MiB tmpfs on dir with dir's files copied in,
// unmounted when the test ends. Mounting needs root (CAP_SYS_ADMIN); the
// test fails, not skips, without it.
func mountSmallTmpfs(t *testing.T, dir string) {
	t.Helper()
	orig := dir + ".orig"
	if err := os.Rename(dir, orig); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("this test needs to mount a small tmpfs (run it as root, or with CAP_SYS_ADMIN): mount: %v: %s", err, out)
	}
	// Before the farm's cleanup (which reads the log): unmount, keeping a
	// copy of the folder in its place on the ordinary disk.
	t.Cleanup(func() {
		exec.Command("cp", "-a", dir+"/.", orig+".final").Run()
		exec.Command("umount", "-l", dir).Run()
		os.Remove(dir)
		os.Rename(orig+".final", dir)
	})
	if out, err := exec.Command("cp", "-a", orig+"/.", dir+"/").CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
}

// fillDisk writes path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := fh.Write(chunk); err != nil {
			if !strings.Contains(err.Error(), "no space left") {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}

// getHealth returns GET /v1/health's status and body.
func getHealth(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: cliTimeout}
	resp, err := c.Get(url + "/v1/health")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
