package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarm-build/swarm/portage"
)

// TestFakeEmerge checks the build program the farms run, on its own: what
// it records, prints and exits with for each of its behaviours. The farm
// tests trust it; this is why they may.
func TestFakeEmerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		env        []string
		wantCode   int // exit code; -1: killed by wantSig
		wantSig    syscall.Signal
		wantEnd    string // the record's end status
		wantSigOut string // portage.FailureSignature of the output; "" for none
		wantPkg    bool
		wantOut    string // printed somewhere
	}{
		{name: "builds", env: []string{"FAKE_EMERGE_SECONDS=0.1", "PKGDIR=@PKGS@"},
			wantEnd: "0", wantPkg: true},
		{name: "fails with a slot conflict", env: []string{"FAKE_EMERGE_FAIL=*",
			"FAKE_EMERGE_FAIL_TEXT=" + testdata("slot-conflict.txt")},
			wantCode: 1, wantEnd: "1", wantSigOut: portage.SigSlotConflict},
		{name: "fails to compile", env: []string{"FAKE_EMERGE_FAIL=dev-libs/*",
			"FAKE_EMERGE_FAIL_TEXT=" + testdata("ibus-compile-failure.txt"), "PKGDIR=@PKGS@"},
			wantCode: 1, wantEnd: "1", wantSigOut: "compile-phase"},
		{name: "a pattern that does not match", env: []string{"FAKE_EMERGE_FAIL=sys-*", "FAKE_EMERGE_CRASH=x/*",
			"FAKE_EMERGE_HANG=dev-libs/libfoo", "FAKE_EMERGE_FAIL_TEXT=" + testdata("slot-conflict.txt")},
			wantEnd: "0"},
		{name: "fails printing its environment", env: []string{"FAKE_EMERGE_FAIL=*", "FAKE_EMERGE_FAIL_ENV=1", "SECRET=s3"},
			wantCode: 1, wantEnd: "1", wantOut: "\nSECRET=s3\n"},
		{name: "crashes", env: []string{"FAKE_EMERGE_CRASH=dev-libs/libpng-*"},
			wantCode: -1, wantSig: syscall.SIGSEGV, wantEnd: "SIGSEGV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			record := filepath.Join(dir, "record")
			env := []string{"PATH=" + os.Getenv("PATH"), "FAKE_EMERGE_DRONE=d1", "FAKE_EMERGE_RECORD=" + record}
			for _, kv := range tt.env {
				env = append(env, strings.ReplaceAll(kv, "@PKGS@", filepath.Join(dir, "pkgs")))
			}
			cmd := exec.Command(testdata("fake-emerge"), "--oneshot", "=dev-libs/libpng-1.6.8")
			cmd.Env, cmd.Dir = env, dir
			out, err := cmd.Output()
			code, sig := exitOf(t, err)
			if code != tt.wantCode || sig != tt.wantSig {
				t.Errorf("exit %d (signal %v), want %d (signal %v); output:\n%s", code, sig, tt.wantCode, tt.wantSig, out)
			}
			if !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("output does not hold %q:\n%s", tt.wantOut, out)
			}
			if got := portage.FailureSignature(out); got != tt.wantSigOut {
				t.Errorf("failure signature of the output = %q, want %q", got, tt.wantSigOut)
			}
			runs := readRecord(t, record).runs
			if len(runs) != 1 || runs[0].atom != "dev-libs/libpng-1.6.8" || runs[0].drone != "d1" ||
				!runs[0].ended || runs[0].status != tt.wantEnd {
				t.Errorf("record %+v, want one run of dev-libs/libpng-1.6.8 on d1 ending %q", runs, tt.wantEnd)
			}
			pkg, err := os.ReadFile(filepath.Join(dir, "pkgs", "dev-libs", "libpng", "libpng-1.6.8-1.gpkg.tar"))
			if tt.wantPkg && (err != nil || len(pkg) == 0) {
				t.Errorf("no package file written: %v", err)
			}
			if !tt.wantPkg && err == nil {
				t.Errorf("a package file was written")
			}
			if _, err := os.Stat(filepath.Join(dir, "core")); err == nil {
				t.Errorf("left a core file")
			}
		})
	}
}

// TestFakeEmergeHangs checks that a hanging build prints a line, then
// neither prints nor ends, and that killing its process group ends it.
func TestFakeEmergeHangs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	record := filepath.Join(dir, "record")
	cmd := exec.Command(testdata("fake-emerge"), "=dev-libs/libpng-1.6.8")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "FAKE_EMERGE_HANG=dev-libs/*", "FAKE_EMERGE_RECORD=" + record}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // as drones start builds
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// It hangs once the script waits on its endless sleep: a child
	// "sleep" of its own, which only a kill ends.
	deadline := time.Now().Add(cliTimeout)
	for !hasChild(cmd.Process.Pid, "sleep") {
		select {
		case err := <-done:
			t.Fatalf("a hanging build ended: %v\n%s", err, out.String())
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sleeping child of the hanging build after %v", cliTimeout)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("a hanging build ended: %v\n%s", err, out.String())
	default:
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	if !strings.Contains(out.String(), "Compiling source") {
		t.Errorf("a hanging build printed %q, want a line first", out.String())
	}
	runs := readRecord(t, record).runs
	if len(runs) != 1 || runs[0].ended || runs[0].pid != cmd.Process.Pid {
		t.Errorf("record %+v, want one run, pid %d, not ended", runs, cmd.Process.Pid)
	}
}

// hasChild reports whether process pid has a child process named comm
// (Linux /proc).
func hasChild(pid int, comm string) bool {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // it ended meanwhile
		}
		// pid (comm) state ppid ...
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) > 1 && s[open+1:end] == comm && fields[1] == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}

// exitOf returns the exit code of a finished command (-1 and the signal
// when a signal ended it).
func exitOf(t *testing.T, err error) (int, syscall.Signal) {
	t.Helper()
	if err == nil {
		return 0, 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, ws.Signal()
	}
	return ee.ExitCode(), 0
}
