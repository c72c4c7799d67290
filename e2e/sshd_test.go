package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshHost is one "host" of a deploy test: a real OpenSSH sshd on a
// loopback port with a generated host key, logging in the test's user with
// the farm's test key, and a folder of its own (root) holding the deploy
// target (bin/) and what its restart command leaves.
type sshHost struct {
	name string
	root string // the host's own folder
	bin  string // the deploy target: root/bin
	port int
	key  ssh.PublicKey // its host key
	proc *proc
}

// sshdPath finds sshd, failing the test (never skipping) when it is absent.
func sshdPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"sshd", "/usr/sbin/sshd"} {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
	}
	t.Fatal("the deploy tests run a real OpenSSH sshd: install openssh-server (apt-get install -y openssh-server)")
	return ""
}

// sftpServer is OpenSSH's sftp-server program.
func sftpServer(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server", "/usr/libexec/sftp-server"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("no sftp-server: install openssh-server (apt-get install -y openssh-server)")
	return ""
}

// clientKey returns the farm's test identity file, making it and the
// authorized_keys that admits it on first use.
func (f *farm) clientKey() (identity, authorized string) {
	f.t.Helper()
	identity, authorized = filepath.Join(f.root, "id_ed25519"), filepath.Join(f.root, "authorized_keys")
	if _, err := os.Stat(identity); err == nil {
		return identity, authorized
	}
	signer, pemBytes := newKey(f.t)
	writeFile(f.t, identity, pemBytes, 0o600)
	writeFile(f.t, authorized, ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o600)
	return identity, authorized
}

// newKey makes an ed25519 key and its OpenSSH PEM form.
func newKey(t testing.TB) (ssh.Signer, []byte) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}

func writeFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// startSSHD starts a host named name. subsystem is sshd's sftp Subsystem
// line ("" = internal-sftp).
func (f *farm) startSSHD(name, subsystem string) *sshHost {
	f.t.Helper()
	sshd := sshdPath(f.t)
	privsepDir(f.t)
	_, authorized := f.clientKey()
	h := &sshHost{name: name, root: filepath.Join(f.root, "hosts", name)}
	h.bin = filepath.Join(h.root, "bin")
	if err := os.MkdirAll(filepath.Join(f.root, "logs"), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.MkdirAll(h.bin, 0o755); err != nil {
		f.t.Fatal(err)
	}
	signer, pemBytes := newKey(f.t)
	h.key = signer.PublicKey()
	hostKey := filepath.Join(h.root, "ssh_host_ed25519_key")
	writeFile(f.t, hostKey, pemBytes, 0o600)
	if subsystem == "" {
		subsystem = "internal-sftp"
	}
	h.port = freePort(f.t)
	cfg := filepath.Join(h.root, "sshd_config")
	writeFile(f.t, cfg, fmt.Appendf(nil, `Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile none
AuthorizedKeysFile %s
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp %s
LogLevel ERROR
`, h.port, hostKey, authorized, subsystem), 0o600)
	p, err := startProc("sshd "+name, f.logFile("sshd-"+name), f.baseEnv(), sshd, "-f", cfg, "-D", "-e")
	if err != nil {
		f.t.Fatal(err)
	}
	h.proc = p
	f.t.Cleanup(func() { killDescendants(p.pid()) }) // before the farm's cleanup kills sshd
	f.mu.Lock()
	f.procs = append(f.procs, p)
	f.mu.Unlock()
	f.waitListening(h)
	return h
}

// privsepDir makes sshd's privilege separation folder, as the service's
// start does, when sshd runs as root and it is missing.
func privsepDir(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("sshd needs /run/sshd: %v", err)
	}
}

func (h *sshHost) addr() string { return fmt.Sprintf("127.0.0.1:%d", h.port) }

// url is the host's deploy target as `swarm remote add` takes it.
func (h *sshHost) url(t testing.TB) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("sftp://%s@%s/%s", u.Username, h.addr(), strings.TrimPrefix(h.bin, "/"))
}

// knownHostsLine is the line ssh-keyscan would give for the host.
func (h *sshHost) knownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(h.addr())}, h.key) + "\n"
}

// trustHost adds the host's key to the farm's user's known_hosts, as an
// operator does with ssh-keyscan.
func (f *farm) trustHost(h *sshHost) {
	f.t.Helper()
	p := f.knownHosts()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		f.t.Fatal(err)
	}
	fh, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		f.t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(h.knownHostsLine()); err != nil {
		f.t.Fatal(err)
	}
}

// knownHosts is the known_hosts of the farm's user (HOME is the farm's).
func (f *farm) knownHosts() string { return filepath.Join(f.root, "home", ".ssh", "known_hosts") }

// addRemote runs `swarm remote add` for h with the farm's test key.
func (f *farm) addRemote(h *sshHost, args ...string) {
	f.t.Helper()
	identity, _ := f.clientKey()
	f.swarm(append([]string{"remote", "add", h.name, h.url(f.t), "--identity", identity}, args...)...)
}

// freePort returns a loopback port nobody listens on (freeLoopbackAddr).
func freePort(t testing.TB) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(freeLoopbackAddr(t))
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// deployEvent is an event of a deploy as `swarm log --json` prints it.
type deployEvent struct {
	Type    string `json:"type"`
	Actor   string `json:"actor"`
	Remote  string `json:"remote"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
}

// deployEvents returns the deploy events of the farm's log, oldest first.
func (f *farm) deployEvents() []deployEvent {
	f.t.Helper()
	var out []deployEvent
	for line := range strings.Lines(f.swarm("log", "--json")) {
		var e deployEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			f.t.Fatalf("swarm log --json: %v in %q", err, line)
		}
		if e.Remote != "" {
			out = append(out, e)
		}
	}
	return out
}

// deployTimeout bounds one `swarm deploy`: it uploads the binary to each
// host and reads it back.
const deployTimeout = 3 * time.Minute

// deploy runs `swarm --dir ROOT deploy args...` with deployTimeout, and
// returns its stdout, stderr and exit code.
func (f *farm) deploy(args ...string) (stdout, stderr string, code int) {
	f.t.Helper()
	return f.deployWith(swarmBin, args...)
}

// deployWith runs deploy with the swarm binary bin: the release it pushes.
func (f *farm) deployWith(bin string, args ...string) (stdout, stderr string, code int) {
	f.t.Helper()
	return f.runBin(bin, "", deployTimeout, append([]string{"--dir", f.root, "deploy"}, args...)...)
}

// restartSSHDWithNewKey starts h's sshd again on the same port and folder
// with a new host key, as a reinstalled host would come back.
func (f *farm) restartSSHDWithNewKey(h *sshHost) *sshHost {
	f.t.Helper()
	signer, pemBytes := newKey(f.t)
	writeFile(f.t, filepath.Join(h.root, "ssh_host_ed25519_key"), pemBytes, 0o600)
	p, err := startProc("sshd "+h.name+" (new key)", f.logFile("sshd-"+h.name), f.baseEnv(),
		sshdPath(f.t), "-f", filepath.Join(h.root, "sshd_config"), "-D", "-e")
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { killDescendants(p.pid()) })
	f.mu.Lock()
	f.procs = append(f.procs, p)
	f.mu.Unlock()
	n := *h
	n.key, n.proc = signer.PublicKey(), p
	f.waitListening(&n)
	return &n
}

// waitListening waits until h's sshd accepts connections.
func (f *farm) waitListening(h *sshHost) {
	f.t.Helper()
	f.waitFor(startTimeout, "sshd "+h.name+" listening", func() (bool, string) {
		if h.proc.exited() {
			f.t.Fatalf("sshd %s ended: %s", h.name, h.proc.describeExit())
		}
		c, err := net.Dial("tcp", h.addr())
		if err != nil {
			return false, err.Error()
		}
		c.Close()
		return true, ""
	})
}

// killDescendants kills (SIGKILL) every process below pid: sshd's session
// processes leave its process group (setsid), so killing sshd alone would
// leave them running after the test.
func killDescendants(pid int) {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		if fields := strings.Fields(rest); len(fields) > 1 {
			if ppid, err := strconv.Atoi(fields[1]); err == nil {
				children[ppid] = append(children[ppid], p)
			}
		}
	}
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			walk(c)
			_ = syscall.Kill(c, syscall.SIGKILL)
		}
	}
	walk(pid)
}
