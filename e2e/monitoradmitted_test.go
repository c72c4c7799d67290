package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMonitorRemoteShowsAdmitted: a remote monitor (a server beyond
// loopback, an operator's token, a folder with no state of its own) in a
// real 60-column terminal shows a drone admitted in config.toml that never
// called, grey and "admitted", beside one that did; a drone admitted while
// it watches appears too (config_changed in the stream makes it ask the
// orchestrator's roster again).
func TestMonitorRemoteShowsAdmitted(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("caller")
	f.addDrone("silent")
	f.serveOn("0.0.0.0:0")
	f.startDrone("caller", droneOpts{})
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(f.operator("alice")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range f.baseEnv() {
		if !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TERM=") {
			env = append(env, kv)
		}
	}
	sess := startTmux(t, t.TempDir(), 60, 20, append(env, "TERM=xterm-256color"),
		swarmBin, "monitor", "--orchestrator", f.url, "--token-file", tokenFile)
	scr := sess.waitScreen(f, "silent's row, admitted, beside caller's", func(s string) bool {
		l, ok := screenRow(s, "silent")
		c, called := screenRow(s, "caller")
		return ok && called && strings.Contains(plain(l), "admitted") && strings.Contains(plain(c), "idle")
	})
	if l, _ := screenRow(scr, "silent"); !strings.Contains(l, "\x1b[90m") || !strings.Contains(plain(l), "never called") {
		t.Errorf("silent's row is not grey and 'never called': %q", l)
	}
	for _, l := range strings.Split(plain(scr), "\n") {
		if n := len([]rune(l)); n > 60 {
			t.Errorf("a line of %d columns at 60: %q", n, l)
		}
	}
	f.addDrone("latecomer")
	sess.waitScreen(f, "latecomer's row, admitted while watching", func(s string) bool {
		l, ok := screenRow(s, "latecom")
		return ok && strings.Contains(plain(l), "admitted")
	})
}
