package e2e

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDeployStaleHosts deploys over real sshd hosts: a host with no
// VERSION, an empty one and an unreadable one are stale and updated, an
// unreachable remote fails while the others are updated (exit 1), a
// deployed host is up to date next time, --force pushes anyway, and
// --dry-run changes nothing anywhere.
func TestDeployStaleHosts(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	none, empty, unreadable := f.startSSHD("none", ""), f.startSSHD("empty", ""), f.startSSHD("unreadable", "")
	writeFile(t, filepath.Join(empty.bin, "VERSION"), nil, 0o644)
	if err := os.Mkdir(filepath.Join(unreadable.bin, "VERSION"), 0o755); err != nil { // reading it fails
		t.Fatal(err)
	}
	extra := filepath.Join(f.root, "swarm-drone.confd") // a file the config lists with the release
	writeFile(t, extra, []byte("SWARM_DRONE_OPTS=\"\"\n"), 0o640)
	for _, h := range []*sshHost{none, empty, unreadable} {
		f.trustHost(h)
		f.addRemote(h, "--role", "binhost", "--file", extra)
	}

	leftover := filepath.Join(none.bin, ".swarm.new-0123456789ab") // an upload cut short long ago
	writeFile(t, leftover, []byte("half a binary"), 0o644)
	if err := os.Chtimes(leftover, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	before := hostTrees(t, none, empty, unreadable)
	out, errOut, code := f.deploy("--dry-run")
	if code != 0 {
		t.Fatalf("deploy --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"none: would update (VERSION missing)", "empty: would update (VERSION empty)",
		"unreadable: would update (VERSION unreadable"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy --dry-run printed\n%s\nwant a line %q", out, want)
		}
	}
	if after := hostTrees(t, none, empty, unreadable); after != before {
		t.Errorf("deploy --dry-run changed the hosts:\nbefore\n%s\nafter\n%s", before, after)
	}
	if evs := f.deployEvents(); len(evs) != 0 {
		t.Errorf("deploy --dry-run recorded events: %+v", evs)
	}

	if err := os.Remove(filepath.Join(unreadable.bin, "VERSION")); err != nil { // a deploy may not replace a folder
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(unreadable.bin, "VERSION"), []byte("\x00\x01garbage\nmore\n"), 0o644)
	identity, _ := f.clientKey()
	f.swarm("remote", "add", "gone", "sftp://root@127.0.0.1:"+itoa(freePort(t))+"/srv/swarm", "--identity", identity)
	out, errOut, code = f.deploy("--parallel", "2")
	if code != 1 {
		t.Fatalf("deploy with an unreachable remote: exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"none: updated", "empty: updated", "unreadable: updated", "gone: failed: "} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy printed\n%s\nwant a line %q", out, want)
		}
	}
	for _, h := range []*sshHost{none, empty, unreadable} {
		checkDeployed(t, h, "dev")
		if fi, err := os.Stat(filepath.Join(h.bin, "swarm-drone.confd")); err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: the listed file: %v %v, want it with mode 0640", h.name, fi, err)
		}
	}
	f.swarm("remote", "remove", "gone")

	out, errOut, code = f.deploy("none")
	if code != 0 || strings.TrimSpace(out) != "none: up to date" {
		t.Errorf("deploy again: exit %d, printed %q, want \"none: up to date\"\n%s", code, out, errOut)
	}
	out, errOut, code = f.deploy("--json", "none", "empty")
	if want := `[{"remote":"none","outcome":"up to date"},{"remote":"empty","outcome":"up to date"}]`; code != 0 ||
		strings.TrimSpace(out) != want {
		t.Errorf("deploy --json: exit %d, printed %q, want %s\n%s", code, out, want, errOut)
	}
	out, errOut, code = f.deploy("--force", "none")
	if code != 0 || strings.TrimSpace(out) != "none: updated" {
		t.Errorf("deploy --force: exit %d, printed %q, want \"none: updated\"\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(none.bin, "swarm.prev")); err != nil {
		t.Errorf("after a second deploy the previous binary was not kept: %v", err)
	}

	var got []string
	for _, e := range f.deployEvents() {
		got = append(got, e.Type+" "+e.Remote)
	}
	for _, want := range []string{"deploy_started none", "deployed none", "deploy_started empty", "deployed empty",
		"deployed unreadable", "deploy_failed gone"} {
		if !slices.Contains(got, want) {
			t.Errorf("the log's deploy events %q lack %q", got, want)
		}
	}
}

// checkDeployed checks that h holds this test's swarm binary, executable,
// and VERSION naming version, and no temporary file.
func checkDeployed(t *testing.T, h *sshHost, version string) {
	t.Helper()
	want, err := os.ReadFile(swarmBin)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(h.bin, "swarm"))
	if err != nil || sha256.Sum256(got) != sha256.Sum256(want) {
		t.Errorf("%s: swarm is not the release (%v)", h.name, err)
	}
	if fi, err := os.Stat(filepath.Join(h.bin, "swarm")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("%s: swarm's mode: %v %v", h.name, fi, err)
	}
	if v, err := os.ReadFile(filepath.Join(h.bin, "VERSION")); err != nil || string(v) != version+"\n" {
		t.Errorf("%s: VERSION = %q (%v), want %q", h.name, v, err, version)
	}
	entries, _ := os.ReadDir(h.bin)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s: a temporary file was left: %s", h.name, e.Name())
		}
	}
}

// hostTrees describes every file of the hosts' deploy targets (name, mode,
// size, SHA-256), to tell whether anything changed.
func hostTrees(t *testing.T, hosts ...*sshHost) string {
	t.Helper()
	var b bytes.Buffer
	for _, h := range hosts {
		err := filepath.Walk(h.bin, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			var sum [32]byte
			if fi.Mode().IsRegular() {
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				sum = sha256.Sum256(data)
			}
			b.WriteString(p + " " + fi.Mode().String() + " " + itoa(int(fi.Size())) + " " + fmt.Sprintf("%x", sum[:4]) + "\n")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestDeployHostKeys: a host whose key known_hosts does not hold is
// refused until --accept-new-host-key adds it; a host whose key changed
// is refused with the fix even then, and nothing is written to it.
func TestDeployHostKeys(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	h := f.startSSHD("web1", "")
	f.addRemote(h)

	out, errOut, code := f.deploy()
	if code != 1 || !strings.Contains(out, "web1: failed: ") || !strings.Contains(out, "--accept-new-host-key") {
		t.Fatalf("deploy to an unknown host: exit %d, want 1 and the fix\n%s%s", code, out, errOut)
	}
	if tree := hostTrees(t, h); strings.Contains(tree, "swarm") || strings.Contains(tree, "VERSION") {
		t.Fatalf("deploy to an unknown host wrote to it:\n%s", tree)
	}
	out, errOut, code = f.deploy("--accept-new-host-key")
	if code != 0 || strings.TrimSpace(out) != "web1: updated" {
		t.Fatalf("deploy --accept-new-host-key: exit %d\n%s%s", code, out, errOut)
	}
	known, err := os.ReadFile(f.knownHosts())
	if err != nil || string(known) != h.knownHostsLine() {
		t.Fatalf("known_hosts after accepting = %q (%v), want %q", known, err, h.knownHostsLine())
	}

	// The host is "reinstalled": same address, a new key.
	h.proc.kill9()
	before := hostTrees(t, h)
	h2 := f.restartSSHDWithNewKey(h)
	for _, args := range [][]string{{"--force"}, {"--force", "--accept-new-host-key"}} {
		out, errOut, code = f.deploy(args...)
		if code != 1 || !strings.Contains(out, "web1: failed: ") || !strings.Contains(out, "ssh-keygen -R") ||
			!strings.Contains(out, "changed") {
			t.Errorf("deploy %v to a host whose key changed: exit %d, want 1 and the fix\n%s%s", args, code, out, errOut)
		}
	}
	if after := hostTrees(t, h2); after != before {
		t.Errorf("deploy to a host whose key changed wrote to it:\nbefore\n%s\nafter\n%s", before, after)
	}
	if again, _ := os.ReadFile(f.knownHosts()); !bytes.Equal(again, known) {
		t.Errorf("known_hosts changed to %q", again)
	}
}

// TestDeployCutUpload: when the SFTP connection dies mid-upload (its
// sftp-server reads at most 2 MB of the session and exits), the
// host keeps its old binary and its old VERSION, and is reported failed.
func TestDeployCutUpload(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	h := f.startSSHD("cut", "dd bs=4096 count=500 2>/dev/null | "+sftpServer(t))
	known := filepath.Join(f.root, "farm_known_hosts") // the remote's own, not the user's
	writeFile(t, known, []byte(h.knownHostsLine()), 0o644)
	f.addRemote(h, "--known-hosts", known)
	writeFile(t, filepath.Join(h.bin, "swarm"), []byte("#!/bin/sh\necho the old release\n"), 0o755)
	writeFile(t, filepath.Join(h.bin, "VERSION"), []byte("0.9.0\n"), 0o644)

	out, errOut, code := f.deploy()
	if code != 1 || !strings.Contains(out, "cut: failed: ") {
		t.Fatalf("deploy cut mid-upload: exit %d, want 1 and cut: failed\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "cut: uploading") {
		t.Errorf("the deploy did not get as far as the upload:\n%s", errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(h.bin, "swarm")); string(b) != "#!/bin/sh\necho the old release\n" {
		t.Errorf("the old binary was not left intact: %.60q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(h.bin, "VERSION")); string(b) != "0.9.0\n" {
		t.Errorf("VERSION = %q, want the old 0.9.0", b)
	}
	evs := f.deployEvents()
	if n := len(evs); n == 0 || evs[n-1].Type != "deploy_failed" {
		t.Errorf("the log's deploy events end %+v, want deploy_failed", evs)
	}
}

// TestDeploySilentSFTP: a host whose SFTP subsystem never answers fails
// within the timeout instead of holding the deploy forever.
func TestDeploySilentSFTP(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	h := f.startSSHD("mute", "cat >/dev/null") // reads the client, answers nothing
	f.trustHost(h)
	f.addRemote(h)
	out, errOut, code := f.deploy("--timeout", "3s")
	if code != 1 || !strings.Contains(out, "mute: failed: ") || !strings.Contains(out, "no SFTP session") {
		t.Fatalf("deploy to a mute SFTP server: exit %d, want 1 and no SFTP session\n%s%s", code, out, errOut)
	}
}

// TestDeployStalledUpload: an SFTP server that stops answering mid-upload
// (its sftp-server gets 2 MB of the session, then nothing, while the
// connection stays up) fails the deploy within --timeout, the host left as
// it was.
func TestDeployStalledUpload(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	h := f.startSSHD("stall", "{ dd bs=4096 count=500 2>/dev/null; cat >/dev/null; } | "+sftpServer(t))
	f.trustHost(h)
	f.addRemote(h)
	writeFile(t, filepath.Join(h.bin, "VERSION"), []byte("0.9.0\n"), 0o644)
	out, errOut, code := f.deploy("--timeout", "3s")
	t.Logf("swarm deploy:\n%s%s", errOut, out)
	if code != 1 || !strings.Contains(out, "stall: failed: ") || !strings.Contains(out, "timed out") {
		t.Fatalf("deploy to a stalled SFTP server: exit %d, want 1 and timed out\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(h.bin, "VERSION")); string(b) != "0.9.0\n" {
		t.Errorf("VERSION = %q, want the old 0.9.0", b)
	}
	if _, err := os.Stat(filepath.Join(h.bin, "swarm")); err == nil {
		t.Errorf("a swarm binary appeared")
	}
}

// TestDeployWithAgent: a remote without an identity file logs in with the
// key an ssh-agent holds ($SSH_AUTH_SOCK), as an operator's does.
func TestDeployWithAgent(t *testing.T) {
	t.Parallel()
	agentBin, err1 := exec.LookPath("ssh-agent")
	addBin, err2 := exec.LookPath("ssh-add")
	if err1 != nil || err2 != nil {
		t.Fatal("this test runs OpenSSH's ssh-agent and ssh-add: install openssh-client")
	}
	f := newFarm(t)
	h := f.startSSHD("agent-1", "")
	f.trustHost(h)
	f.swarm("remote", "add", h.name, h.url(t)) // no --identity
	identity, _ := f.clientKey()
	sock := filepath.Join(f.root, "agent.sock")
	agent, err := startProc("ssh-agent", f.logFile("ssh-agent"), f.baseEnv(), agentBin, "-D", "-a", sock)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.procs = append(f.procs, agent)
	f.mu.Unlock()
	noAgent := slices.DeleteFunc(f.baseEnv(), func(kv string) bool { return strings.HasPrefix(kv, "SSH_AUTH_SOCK=") })
	env := append(slices.Clone(noAgent), "SSH_AUTH_SOCK="+sock)
	f.waitFor(startTimeout, "ssh-agent listening", func() (bool, string) {
		_, err := os.Stat(sock)
		return err == nil, fmt.Sprint(err)
	})
	add := exec.Command(addBin, identity)
	add.Env = env
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}

	deploy := exec.Command(swarmBin, "--dir", f.root, "deploy")
	deploy.Env = env
	out, err := deploy.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "agent-1: updated") {
		t.Fatalf("deploy with the agent: %v\n%s", err, out)
	}
	checkDeployed(t, h, "dev")

	deploy = exec.Command(swarmBin, "--dir", f.root, "deploy", "--force")
	deploy.Env = noAgent // no agent, no identity
	if out, err := deploy.CombinedOutput(); err == nil || !strings.Contains(string(out), "no identity file and no SSH agent") {
		t.Errorf("deploy with neither agent nor identity: %v\n%s", err, out)
	}
}
