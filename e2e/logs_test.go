package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/portage"
)

// TestLogsShowsFailedBuild fails a build that prints real emerge failure
// text (and the drone's token, as a build that reads the wrong file
// would): `swarm logs ATOM` prints portage's ERROR block and the lines
// before it, --full the whole log the drone sent, neither the token; a
// package never claimed, or an attempt it never had, is one clear error.
func TestLogsShowsFailedBuild(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	token := f.addDrone("d1")
	f.serve()
	const atom = "=app-i18n/ibus-1.5.19"
	f.enqueue(atom)
	failure, err := os.ReadFile(testdata("ibus-compile-failure.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(f.root, "failure.txt")
	if err := os.WriteFile(text, append([]byte("token = "+token+"\n"), failure...), 0o600); err != nil {
		t.Fatal(err)
	}
	f.startDrone("d1", droneOpts{env: []string{"FAKE_EMERGE_FAIL=*", "FAKE_EMERGE_FAIL_TEXT=" + text, "FAKE_EMERGE_FAIL_ENV=1"}})
	f.waitEvent(startTimeout, "d1's build to fail", func(e event) bool { return e.Type == "failed" && e.Drone == "d1" })

	full, fullErr, code := f.run("logs", atom, "--attempt", "1", "--full")
	if code != 0 {
		t.Fatalf("swarm logs --full: exit %d: %s", code, fullErr)
	}
	if !strings.Contains(full, string(failure)) || !strings.Contains(full, ">>> Emerging (1 of 1) app-i18n/ibus-1.5.19") {
		t.Errorf("swarm logs --full lacks the build's output:\n%s", full)
	}
	if !strings.Contains(fullErr, "attempt 1") || !strings.Contains(fullErr, "d1") {
		t.Errorf("swarm logs --full said %q on stderr, want the attempt and the drone", fullErr)
	}
	ctx, _, code := f.run("logs", atom)
	if code != 0 {
		t.Fatalf("swarm logs: exit %d", code)
	}
	if want := string(portage.ErrorContext([]byte(full))); ctx != want || !strings.Contains(ctx, " * ERROR: app-i18n/ibus-1.5.19::gentoo failed (compile phase):") ||
		len(ctx) >= len(full) {
		t.Errorf("swarm logs printed:\n%s\nwant the error context of the log:\n%s", ctx, want)
	}
	for name, out := range map[string]string{"--full": full, "default": ctx} {
		if strings.Contains(out, token) {
			t.Errorf("swarm logs %s shows the drone's token", name)
		}
	}
	checkBuildLogUsage(t, f, 1)

	for _, args := range [][]string{{"logs", "app-misc/never-1"}, {"logs", atom, "--attempt", "99"}} {
		out, errOut, code := f.run(args...)
		if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 {
			t.Errorf("swarm %s: exit %d, stdout %q, stderr %q; want exit 1 and one line", strings.Join(args, " "), code, out, errOut)
		}
	}
}

// checkBuildLogUsage checks that status counts at least n build logs kept
// (a failed package may be tried again meanwhile), with their bytes, in
// --json and in its Logs line.
func checkBuildLogUsage(t *testing.T, f *farm, n int) {
	t.Helper()
	var st struct {
		BuildLogs *struct {
			Logs  int   `json:"logs"`
			Bytes int64 `json:"bytes"`
		} `json:"build_logs"`
	}
	f.swarmJSON(&st, "status", "--json")
	if st.BuildLogs == nil || st.BuildLogs.Logs < n || st.BuildLogs.Bytes <= 0 {
		t.Errorf("status --json build_logs %+v, want at least %d logs and their bytes", st.BuildLogs, n)
	}
	if out := f.swarm("status"); !regexp.MustCompile(`\nLogs: +[0-9]+ build logs?, [0-9,]+ [KM]iB kept\n`).MatchString(out) {
		t.Errorf("status has no Logs line:\n%s", out)
	}
}
