package e2e

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkDeployVsSFTP measures what deploy's care costs: `swarm deploy
// --force` of the swarm binary to one real sshd host (dial, VERSION read,
// upload to a temporary name, fsync, chmod, reading it all back for its
// SHA-256, swarm.prev link, rename, VERSION) against OpenSSH's own `sftp`
// putting the same file there, interleaved round by round. ratio is the
// median of deploy's time over sftp's.
//
//	go test -run XXX -bench DeployVsSFTP -benchtime 8x ./e2e
func BenchmarkDeployVsSFTP(b *testing.B) {
	sftpBin, err := exec.LookPath("sftp")
	if err != nil {
		b.Fatal("this benchmark compares with OpenSSH's sftp: install openssh-client")
	}
	f := newFarm(b)
	h := f.startSSHD("bench", "")
	f.trustHost(h)
	f.addRemote(h, "--role", "binhost")
	identity, _ := f.clientKey()
	batch := filepath.Join(f.root, "sftp-batch")
	writeFile(b, batch, []byte("put "+swarmBin+" "+filepath.Join(h.bin, "raw-copy")+"\n"), 0o644)
	raw := func() time.Duration {
		start := time.Now()
		cmd := exec.Command(sftpBin, "-q", "-b", batch, "-i", identity, "-P", strconv.Itoa(h.port),
			"-o", "UserKnownHostsFile="+f.knownHosts(), "-o", "BatchMode=yes", "127.0.0.1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("sftp: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	deploy := func() time.Duration {
		start := time.Now()
		if out, errOut, code := f.deploy("--force", "bench"); code != 0 || !strings.Contains(out, "bench: updated") {
			b.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
		}
		return time.Since(start)
	}
	var ratios []float64
	var rawSum, deploySum time.Duration
	b.ResetTimer()
	for b.Loop() {
		r, d := raw(), deploy()
		rawSum, deploySum = rawSum+r, deploySum+d
		ratios = append(ratios, float64(d)/float64(r))
	}
	slices.Sort(ratios)
	n := float64(len(ratios))
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
	b.ReportMetric(float64(rawSum.Milliseconds())/n, "sftp_ms")
	b.ReportMetric(float64(deploySum.Milliseconds())/n, "deploy_ms")
}
