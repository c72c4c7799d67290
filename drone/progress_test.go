package drone

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMeter: the counter grows when any source grows, by that growth, and
// never goes back: a shrunk file and a process that ended or whose pid was
// reused set new baselines.
func TestMeter(t *testing.T) {
	type sample struct {
		out, file uint64
		cpu       map[int]uint64
		want      uint64
	}
	cases := []struct {
		name    string
		samples []sample
	}{
		{"output alone", []sample{{100, 0, nil, 100}, {150, 0, nil, 150}, {150, 0, nil, 150}}},
		{"quiet build writes build.log", []sample{{100, 0, nil, 100}, {100, 4096, nil, 4196}, {100, 8192, nil, 8292}}},
		{"quiet build burns CPU", []sample{{100, 0, map[int]uint64{7: 10}, 110}, {100, 0, map[int]uint64{7: 500}, 600}}},
		{"a child ends, another starts", []sample{
			{0, 0, map[int]uint64{7: 10, 8: 300}, 310},
			{0, 0, map[int]uint64{7: 20}, 320},          // 8 ended: nothing taken back
			{0, 0, map[int]uint64{7: 20, 9: 50}, 370}}}, // 9 is new: all its time counts
		{"a pid reused by a new process", []sample{{0, 0, map[int]uint64{7: 300}, 300}, {0, 0, map[int]uint64{7: 40}, 340}}},
		{"build.log started again", []sample{{0, 5000, nil, 5000}, {0, 100, nil, 5000}, {0, 300, nil, 5200}}},
		{"nothing grows: a stall", []sample{{10, 10, map[int]uint64{7: 10}, 30}, {10, 10, map[int]uint64{7: 10}, 30}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m meter
			for i, s := range c.samples {
				if got := m.add(s.out, s.file, s.cpu); got != s.want {
					t.Fatalf("sample %d: %d, want %d", i, got, s.want)
				}
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	cases := []struct {
		in       string
		pgrp     int
		ms       uint64
		ok       bool
		describe string
	}{
		{"1234 (cc1plus) R 1200 1100 1100 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0", 1100, 3000, true, "plain"},
		{"1234 (a ) b) (c) S 1200 77 77 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 100 0 0", 77, 30, true, "a name with ) and spaces"},
		{"1234 (x) R 1 2", 0, 0, false, "cut short"},
		{"garbage", 0, 0, false, "no name"},
	}
	for _, c := range cases {
		pgrp, ms, ok := parseStat(c.in)
		if pgrp != c.pgrp || ms != c.ms || ok != c.ok {
			t.Errorf("%s: parseStat = %d, %d, %v; want %d, %d, %v", c.describe, pgrp, ms, ok, c.pgrp, c.ms, c.ok)
		}
	}
}

func TestPortageBuildLog(t *testing.T) {
	cases := []struct{ tmpdir, atom, want string }{
		{"/var/tmp", "sys-devel/llvm-19.1.7", "/var/tmp/portage/sys-devel/llvm-19.1.7/temp/build.log"},
		{"/t", "dev-qt/qtcore-5.9.4-r1:5/5.9::gentoo", "/t/portage/dev-qt/qtcore-5.9.4-r1/temp/build.log"},
		{"", "sys-devel/llvm-19.1.7", ""},
		{"/t", "not an atom", ""},
	}
	for _, c := range cases {
		if got := portageBuildLog(c.tmpdir, c.atom); got != c.want {
			t.Errorf("portageBuildLog(%q, %q) = %q, want %q", c.tmpdir, c.atom, got, c.want)
		}
	}
}

func TestStartCause(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("x", 300))
	_, errLong := os.Create(long)
	_, errMissing := exec.Command("/nonexistent/swarm-no-such-program").Output()
	cases := []struct {
		err  error
		want string
	}{
		{errLong, "name-too-long"},
		{errMissing, "not-found"},
		{fmt.Errorf("start: %w", exec.ErrNotFound), "not-found"},
		{fmt.Errorf("build log: %w", &fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}), "permission-denied"},
		{ErrBadCommand, "not-found"},
		{errors.New("something else"), "other"},
	}
	for _, c := range cases {
		if got := startCause(c.err); got != c.want {
			t.Errorf("startCause(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// TestGroupCPU: a busy process group's CPU time is seen, summed over its
// processes, with real processes.
func TestGroupCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("CPU time of a process group is read from /proc on Linux only")
	}
	cmd := exec.Command("sh", "-c", "while :; do :; done & while :; do :; done")
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killGroup(cmd.Process); _ = cmd.Wait() })
	pg := cmd.Process.Pid
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := groupCPU(map[int]bool{pg: true})[pg]
		var total uint64
		for _, ms := range got {
			total += ms
		}
		if len(got) >= 2 && total > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %d: %v; want two processes with CPU time", pg, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// FuzzParseStat: any text, however broken, parses or is refused, never a
// panic; a parse yields a time that is a whole number of ticks.
func FuzzParseStat(f *testing.F) {
	f.Add("1234 (cc1plus) R 1200 1100 1100 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0")
	f.Add("1 (a ) b) S 0 1 1 0 -1 0 0 0 0 0 18446744073709551615 1 0")
	f.Add(")")
	f.Fuzz(func(t *testing.T, s string) {
		if _, ms, ok := parseStat(s); ok && ms%(1000/clockTicks) != 0 {
			t.Fatalf("parseStat(%q) = %d ms, not whole ticks", s, ms)
		}
	})
}
