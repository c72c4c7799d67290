package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadersMentionTornTail: when the log's end is damaged (the last
// frame's checksum fails, as after a torn write), status, queue and replay,
// which answer from a snapshot and the events after it, warn in one line
// on stderr; verify names the torn bytes, and after a writer cut them, the
// cut and the path of the copy it saved.
func TestReadersMentionTornTail(t *testing.T) {
	root := t.TempDir()
	swarm := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(append([]string{"--dir", root}, args...), &out, &errOut)
		return out.String(), errOut.String(), code
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := swarm(args...)
		if code != 0 {
			t.Fatalf("swarm %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	must("init", root)
	must("config", "set", "log.snapshot_every", "2")
	for _, a := range []string{"dev-lang/php-7.1.13", "app-shells/bash-4.4_p12", "dev-db/postgresql-10.3", "dev-qt/qtcore-5.9.4-r2"} {
		must("enqueue", a)
	}
	state := filepath.Join(root, stateDirName)
	if snaps, _ := filepath.Glob(filepath.Join(state, "snapshots", "*")); len(snaps) == 0 {
		t.Fatal("no snapshot written; the test needs one")
	}
	seg := filepath.Join(state, "events", "00000000000000000001.seg")
	flipNearEnd(t, seg)

	const warning = "the event log's end is damaged"
	for _, verb := range [][]string{{"status"}, {"queue"}, {"replay"}} {
		_, errOut, code := swarm(verb...)
		if code != 0 || strings.Count(errOut, warning) != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("swarm %s on a damaged end: exit %d, stderr %q; want 0 and one warning line", verb[0], code, errOut)
		}
	}
	if out := must("verify"); !strings.Contains(out, "torn: segment 00000000000000000001.seg ends in") {
		t.Errorf("verify does not name the torn tail:\n%s", out)
	}

	must("pause") // a writer: cuts the torn frame, saving it
	saved, _ := filepath.Glob(seg + ".torn-*")
	if len(saved) != 1 {
		t.Fatalf("saved torn copies %v, want one", saved)
	}
	if out := must("verify"); !strings.Contains(out, "was cut from segment 00000000000000000001.seg") ||
		!strings.Contains(out, saved[0]) {
		t.Errorf("verify does not report the cut and its saved copy %s:\n%s", saved[0], out)
	}
	if _, errOut, _ := swarm("status"); strings.Contains(errOut, warning) {
		t.Errorf("status still warns after the cut: %s", errOut)
	}
}

func flipNearEnd(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-9] ^= 0xff // past the frame's padding (at most 7 bytes), in its body
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
