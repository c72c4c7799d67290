package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// testApp returns an app on buffers with an empty environment.
func testApp() (*app, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &app{out: &out, errOut: &errOut, getenv: func(string) string { return "" }, getwd: os.Getwd}, &out, &errOut
}

// TestLogFlags checks that the command line lands in logOptions, without
// running anything.
func TestLogFlags(t *testing.T) {
	a, _, _ := testApp()
	var got *logOptions
	cmd := newLogCmd(a, func(_ context.Context, o *logOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-n", "5", "--since", "12", "--type", "claimed,failed", "--type", "returned",
		"--drone", "d1", "--atom", "dev-qt/qtcore-5.9.4-r2", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := typesFlag{events.TypeClaimed, events.TypeFailed, events.TypeReturned}
	if got.Limit != 5 || got.Since != 12 || fmt.Sprint(got.Types) != fmt.Sprint(want) ||
		got.Drone != "d1" || got.Atom != "dev-qt/qtcore-5.9.4-r2" || !got.JSON {
		t.Errorf("parsed %+v", *got)
	}
}

func TestReplayUntilFlag(t *testing.T) {
	var f untilFlag
	if err := f.Set("42"); err != nil || f.seq != 42 || f.isTime {
		t.Errorf("Set(42) = %+v, %v", f, err)
	}
	if err := f.Set("2026-02-05T10:30:00+01:00"); err != nil || !f.isTime ||
		!f.time.Equal(time.Date(2026, 2, 5, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("Set(time) = %+v, %v", f, err)
	}
	for _, bad := range []string{"0", "-3", "yesterday", "2026-02-05"} {
		if err := f.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}

// TestExitCodes checks the one mapping from errors to exit codes.
func TestExitCodes(t *testing.T) {
	a, _, _ := testApp()
	cmd := newStatusCmd(a, nil)
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("boom"), exitFailure},
		{errNoSwarm, exitFailure},
		{usageErrorf(cmd, "bad"), exitUsage},
		{fmt.Errorf("wrapped: %w", flagError(cmd, errors.New("unknown flag"))), exitUsage},
		{fmt.Errorf("open: %w", events.ErrCorrupt), exitDamage},
		{context.Canceled, exitFailure},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestReportErrorIsOneLine(t *testing.T) {
	var b bytes.Buffer
	reportError(&b, errors.New("first\nsecond\n"))
	if got := b.String(); got != "swarm: first; second\n" {
		t.Errorf("got %q", got)
	}
}

func TestFindStateDir(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(filepath.Join(root, stateDirName), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := findStateDir(deep)
	if err != nil || got != filepath.Join(root, stateDirName) {
		t.Errorf("findStateDir = %q, %v", got, err)
	}
	// $SWARM_DIR is honoured when --dir is not given.
	a, _, _ := testApp()
	a.getenv = func(k string) string {
		if k == "SWARM_DIR" {
			return root
		}
		return ""
	}
	if got, err := a.stateDir(); err != nil || got != filepath.Join(root, stateDirName) {
		t.Errorf("stateDir with SWARM_DIR = %q, %v", got, err)
	}
}

func TestRunUsageExitCode(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"status", "--nope"}, &out, &errOut); code != exitUsage {
		t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, errOut.String())
	}
}

func TestBenchFlags(t *testing.T) {
	a, _, _ := testApp()
	var got *benchOptions
	cmd := newBenchCmd(a, func(_ context.Context, o *benchOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--quick", "--json", "--scratch", "/var/tmp"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Quick || !got.JSON || got.Scratch != "/var/tmp" {
		t.Errorf("parsed %+v", *got)
	}
}
