package e2e

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// tmuxSession is a real terminal: `swarm monitor` in a tmux session of a
// tmux server of its own (its own socket), read with capture-pane.
type tmuxSession struct {
	t    testing.TB
	sock string
	name string
}

// startTmux runs argv in dir in a detached tmux session width columns wide.
func startTmux(t testing.TB, dir string, width, height int, env []string, argv ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("the monitor's test runs it in a real terminal: install tmux (apt-get install -y tmux)")
	}
	s := &tmuxSession{t: t, sock: filepath.Join(dir, "tmux.sock"), name: "monitor"}
	// The pane stays after the program ends, so the test sees how it ended.
	args := []string{"-f", "/dev/null", "new-session", "-d", "-c", dir, "-s", s.name, "-x", fmt.Sprint(width), "-y", fmt.Sprint(height)}
	args = append(append(args, argv...), ";", "set-option", "-t", s.name, "remain-on-exit", "on")
	s.tmux(env, args...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(env []string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...)
	if env != nil {
		cmd.Env = env
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the terminal shows, with its colours (SGR codes).
func (s *tmuxSession) screen() string { return s.tmux(nil, "capture-pane", "-e", "-p", "-t", s.name) }

// keys types keys (tmux key names: Enter, Escape, or text).
func (s *tmuxSession) keys(keys ...string) {
	s.tmux(nil, append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// waitScreen waits until the screen passes ok, and returns it.
func (s *tmuxSession) waitScreen(f *farm, what string, ok func(string) bool) string {
	s.t.Helper()
	var scr string
	f.waitFor(60*time.Second, what, func() (bool, string) {
		scr = s.screen()
		return ok(scr), "the screen:\n" + plain(scr)
	})
	return scr
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// plain is a screen without its colour codes.
func plain(s string) string { return sgr.ReplaceAllString(s, "") }

// screenRow is the screen's line (with its colour codes) that starts, once
// the selection mark and the colour codes are dropped, with the drone's
// name (or the first part of it that the width left).
func screenRow(scr, prefix string) (string, bool) {
	for _, l := range strings.Split(scr, "\n") {
		if strings.HasPrefix(strings.TrimLeft(plain(l), " ›"), prefix) {
			return l, true
		}
	}
	return "", false
}

// hasAll says whether every drone has a row.
func hasAll(scr string, prefixes ...string) bool {
	for _, p := range prefixes {
		if _, ok := screenRow(scr, p); !ok {
			return false
		}
	}
	return true
}

// TestMonitorInTmux runs `swarm monitor` in a real terminal against a real
// server and real drones in every state: a row per drone at 100 and at 60
// columns, coloured by status (green building, yellow idle, red grounded,
// grey offline), no line wider than the terminal, a long name cut with an
// ellipsis; / filters to the failed package and e opens its error context,
// from the build log the orchestrator keeps.
func TestMonitorInTmux(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"farm.fail_after_drones", "1"})
	long := "a-drone-whose-name-is-longer-than-any-column-of-the-monitor"
	for _, id := range []string{"builder", "failer", "grounder", long} {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 900, 2)
	broken, slow := atoms[0], atoms[1]

	// failer fails broken for good (one drone is enough here), then dies.
	f.enqueue(broken)
	f.startDrone("failer", droneOpts{env: failWith("*", "ibus-compile-failure.txt")})
	f.waitEvent(startTimeout, "failer to fail "+broken, func(e event) bool {
		return e.Type == "failed" && e.Drone == "failer" && e.Final
	})
	f.killDrone("failer")
	// builder is busy with slow for the rest of the test.
	f.enqueue(slow)
	f.startDrone("builder", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=600"}})
	f.waitEvent(startTimeout, "builder to claim "+slow, func(e event) bool {
		return e.Type == "claimed" && e.Drone == "builder"
	})
	// grounder is grounded; the long-named drone has nothing left to do.
	f.startDrone("grounder", droneOpts{})
	f.startDrone(long, droneOpts{})
	for _, id := range []string{"grounder", long} {
		f.waitEvent(startTimeout, id+" to register", func(e event) bool {
			return e.Type == "drone_registered" && e.Actor == id
		})
	}
	f.swarm("ground", "grounder", "--for", "1h", "--reason", "disk errors")
	f.waitEvent(startTimeout, "failer to go offline", func(e event) bool {
		return e.Type == "drone_offline" && e.Drone == "failer"
	})

	// The monitor's terminal has colour: no NO_COLOR, a colour TERM.
	var env []string
	for _, kv := range f.baseEnv() {
		if !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TERM=") {
			env = append(env, kv)
		}
	}
	env = append(env, "TERM=xterm-256color")
	sess := startTmux(t, f.root, 100, 30, env, swarmBin, "--dir", f.root, "monitor")
	rows := []string{"builder", "failer", "grounder", "a-drone"}
	colours := map[string]string{"builder": "32", "failer": "90", "grounder": "31", "a-drone": "33"}
	statuses := map[string]string{"builder": "building", "failer": "offline", "grounder": "grounded", "a-drone": "idle"}

	for _, width := range []int{100, 60} {
		if width != 100 {
			sess.tmux(nil, "resize-window", "-t", sess.name, "-x", fmt.Sprint(width))
		}
		scr := sess.waitScreen(f, fmt.Sprintf("every drone's row, with its status, at %d columns", width), func(s string) bool {
			for _, id := range rows {
				if l, ok := screenRow(s, id); !ok || !strings.Contains(plain(l), statuses[id]) {
					return false
				}
			}
			// Below 80 columns HEALTH folds into STATUS: the monitor drew
			// this screen for this width, not tmux clipping a wider one.
			narrow := width < 80 && !strings.Contains(plain(s), "HEALTH")
			wide := width >= 80 && strings.Contains(plain(s), "HEALTH")
			return strings.Contains(plain(s), "1 failed") && widthOK(s, width) && (narrow || wide)
		})
		for _, id := range rows {
			l, _ := screenRow(scr, id)
			if !strings.Contains(l, "\x1b["+colours[id]+"m") {
				t.Errorf("%d columns: %s's row is not coloured %s: %q", width, id, colours[id], l)
			}
			if !strings.Contains(plain(l), statuses[id]) {
				t.Errorf("%d columns: %s's row does not say %s: %q", width, id, statuses[id], plain(l))
			}
		}
		if l, _ := screenRow(scr, "builder"); !strings.Contains(plain(l), "/") {
			t.Errorf("%d columns: builder's row shows no elapsed/expected time: %q", width, plain(l))
		}
		if l, _ := screenRow(scr, "a-drone"); !strings.Contains(plain(l), "…") || strings.Contains(plain(l), long) {
			t.Errorf("%d columns: the long name is not cut with an ellipsis: %q", width, plain(l))
		}
		if !widthOK(scr, width) {
			t.Errorf("%d columns: a line is wider than the terminal:\n%s", width, plain(scr))
		}
	}

	// / filters to the failed package; e shows its error context.
	name := strings.TrimPrefix(broken, "=")
	name = name[strings.Index(name, "/")+1:]
	sess.keys("/")
	sess.keys("-l", name)
	sess.keys("Enter")
	sess.waitScreen(f, "the filter to leave the failed package selected", func(s string) bool {
		return strings.Contains(plain(s), "› "+broken) && !strings.Contains(plain(s), "Filter: "+name+"▏")
	})
	sess.keys("e")
	// First the excerpt the failure carried, then the orchestrator's kept
	// build log (GET /v1/logs/ATOM).
	scr := sess.waitScreen(f, "the failure's error context from the build log", func(s string) bool {
		return strings.Contains(plain(s), "From the build log")
	})
	for _, want := range []string{"Error context: package " + broken, "compile-phase", "(attempt 1 of 1, on failer)",
		"* ERROR: app-i18n/ibus-1.5.19::gentoo failed"} {
		if !strings.Contains(plain(scr), want) {
			t.Errorf("the error context lacks %q:\n%s", want, plain(scr))
		}
	}
	pid := strings.TrimSpace(sess.tmux(nil, "list-panes", "-t", sess.name, "-F", "#{pane_pid}"))
	sess.keys("q")
	// The monitor's process ends, and if tmux collected how, it exited 0.
	// tmux sometimes marks the pane dead (the terminal's end) and leaves
	// the process a zombie it never waits for, without a status: the
	// process having exited is then the proof.
	f.waitFor(30*time.Second, "monitor to quit on q", func() (bool, string) {
		out := sess.tmux(nil, "list-panes", "-t", sess.name, "-F", "#{pane_dead} #{pane_dead_status} #{pane_dead_signal}")
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		// Gone, or a zombie: exited, and tmux has not collected it yet.
		gone := pid != "" && (errors.Is(err, fs.ErrNotExist) || err == nil && strings.Contains(string(stat), ") Z "))
		fields := strings.Fields(out)
		clean := len(fields) >= 1 && fields[0] == "1" && (len(fields) == 1 || len(fields) == 2 && fields[1] == "0")
		return clean && gone, fmt.Sprintf("pane dead, status, signal: %q; pid %s gone: %v", out, pid, gone)
	})
}

// widthOK says whether every line of the screen fits width cells.
func widthOK(scr string, width int) bool {
	for _, l := range strings.Split(plain(scr), "\n") {
		if utf8.RuneCountInString(strings.TrimRight(l, " ")) > width {
			return false
		}
	}
	return true
}

// TestMonitorRemoteWithToken: against a server listening beyond loopback,
// from a folder with no state of its own, the monitor without a token is
// refused in one line (exit 1) and with --token-file shows the farm.
func TestMonitorRemoteWithToken(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("remote1")
	f.serveOn("0.0.0.0:0")
	f.startDrone("remote1", droneOpts{})
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(f.operator("alice")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()

	cmd := exec.Command(swarmBin, "monitor", "--orchestrator", f.url)
	cmd.Dir, cmd.Env = elsewhere, f.baseEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "refused the token") ||
		strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
		t.Errorf("monitor without a token: %v, exit %d, stderr %q; want exit 1 and one line saying the token was refused",
			err, code, stderr.String())
	}

	// With the token but no terminal (stdout a pipe): one line, exit 1.
	cmd = exec.Command(swarmBin, "monitor", "--orchestrator", f.url, "--token-file", tokenFile)
	cmd.Dir, cmd.Env = elsewhere, f.baseEnv()
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "needs a terminal") {
		t.Errorf("monitor into a pipe: %v, exit %d, output %q; want exit 1 and one line saying it needs a terminal", err, code, out)
	}

	var env []string
	for _, kv := range f.baseEnv() {
		if !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TERM=") {
			env = append(env, kv)
		}
	}
	sess := startTmux(t, elsewhere, 80, 20, append(env, "TERM=xterm-256color"),
		swarmBin, "monitor", "--orchestrator", f.url, "--token-file", tokenFile)
	scr := sess.waitScreen(f, "remote1's row, idle", func(s string) bool {
		l, ok := screenRow(s, "remote1")
		return ok && strings.Contains(plain(l), "idle")
	})
	if l, _ := screenRow(scr, "remote1"); !strings.Contains(l, "\x1b[33m") {
		t.Errorf("remote1's idle row is not yellow: %q", l)
	}
	if !strings.Contains(plain(scr), f.url) {
		t.Errorf("the header does not name the orchestrator %s:\n%s", f.url, plain(scr))
	}
}
