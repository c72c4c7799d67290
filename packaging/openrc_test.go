package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// openrcServices are the init scripts and their conf.d files.
var openrcServices = []string{"swarm-orchestrator", "swarm-drone"}

// TestOpenRCScriptsParse: every init script and conf.d file parses. openrc-run
// has no check mode of its own: it sources the script with /bin/sh, so the
// check is sh -n (dash on Debian, as strict as POSIX sh gets) and bash -n
// (/bin/sh on most Gentoo systems).
func TestOpenRCScriptsParse(t *testing.T) {
	shells := []string{needTool(t, "sh", "dash or bash"), needTool(t, "bash", "apt-get install bash")}
	for _, svc := range openrcServices {
		for _, f := range []string{svc + ".initd", svc + ".confd"} {
			path := filepath.Join("openrc", f)
			for _, sh := range shells {
				if out, err := exec.Command(sh, "-n", path).CombinedOutput(); err != nil {
					t.Errorf("%s -n %s: %v\n%s", sh, path, err, out)
				}
			}
		}
		b, err := os.ReadFile(filepath.Join("openrc", svc+".initd"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "#!/sbin/openrc-run\n") {
			t.Errorf("%s.initd does not start with #!/sbin/openrc-run", svc)
		}
	}
}

// openrcEnv sources conf.d (overridden by the test's settings) then the
// init script in sh, with openrc-run's helpers recorded rather than run,
// and prints one variable per line: the way openrc-run would see them.
func openrcEnv(t *testing.T, svc string, settings map[string]string, script string) (string, error) {
	t.Helper()
	var set strings.Builder
	for k, v := range settings {
		set.WriteString(k + "='" + v + "'\n")
	}
	prog := `
ebegin() { :; }; eend() { :; }; einfo() { :; }; ewarn() { :; }
eerror() { echo "eerror: $*"; }
checkpath() { echo "checkpath $*"; }
RC_SVCNAME=` + svc + `
. ./openrc/` + svc + `.confd
` + set.String() + `
. ./openrc/` + svc + `.initd
` + script
	out, err := exec.Command("sh", "-c", prog).CombinedOutput()
	return string(out), err
}

// TestOpenRCCommandLines: the command line each init script runs, with its
// conf.d as shipped and as an operator would change it, is one the swarm
// binary accepts; a flag swarm does not have is caught.
func TestOpenRCCommandLines(t *testing.T) {
	tests := []struct {
		svc      string
		settings map[string]string
		verb     string
		ok       bool
	}{
		{"swarm-orchestrator", nil, "serve", true},
		{"swarm-orchestrator", map[string]string{"SWARM_LISTEN": "0.0.0.0:8093", "SWARM_SERVE_OPTS": "--verbose"}, "serve", true},
		{"swarm-orchestrator", map[string]string{"SWARM_SERVE_OPTS": "--slots 2"}, "serve", false},
		{"swarm-drone", nil, "drone", true},
		{"swarm-drone", map[string]string{"SWARM_DRONE_OPTS": "--slots 2 --capability arm64"}, "drone", true},
		{"swarm-drone", map[string]string{"SWARM_DRONE_OPTS": "--listen 0.0.0.0:1"}, "drone", false},
	}
	bin := swarmBinary(t)
	if out, err := openrcEnv(t, "swarm-drone", map[string]string{"SWARM_BIN": bin}, `echo "$command"`); err != nil || out != bin+"\n" {
		t.Errorf("swarm-drone with SWARM_BIN=%s runs %q (%v)", bin, out, err)
	}
	for _, tt := range tests {
		out, err := openrcEnv(t, tt.svc, tt.settings, `echo "$command"; set -- $command_args; for a; do echo "$a"; done`)
		if err != nil {
			t.Fatalf("%s: sourcing: %v\n%s", tt.svc, err, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if lines[0] != "/usr/bin/swarm" || len(lines) < 2 || lines[1] != tt.verb {
			t.Fatalf("%s runs %q, want /usr/bin/swarm %s …", tt.svc, lines, tt.verb)
		}
		err = acceptsArgs(t, lines[1:])
		if tt.ok && err != nil {
			t.Errorf("%s with %v: %v", tt.svc, tt.settings, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("%s with %v: swarm accepted %q, want a usage error", tt.svc, tt.settings, lines[1:])
		}
	}
}

// TestOpenRCServiceSettings: where state, configuration and logs go, who
// runs each service, and that a drone's stop drains (a first SIGTERM, a
// long wait) before its second SIGTERM returns the work.
func TestOpenRCServiceSettings(t *testing.T) {
	const show = `echo "supervisor=$supervisor"; echo "user=$command_user"; echo "args=$command_args"
echo "log=$output_log"; echo "errlog=$error_log"; echo "retry=$retry"`
	tests := []struct {
		svc  string
		want []string
	}{
		{"swarm-orchestrator", []string{"supervisor=supervise-daemon", "user=swarm:swarm", "--dir /var/lib/swarm",
			"log=/var/log/swarm/orchestrator.log", "errlog=/var/log/swarm/orchestrator.log", "retry=TERM/60/KILL/5"}},
		{"swarm-drone", []string{"supervisor=supervise-daemon", "user=\n", "--config /etc/swarm/drone.toml",
			"--log-dir /var/log/swarm/builds", "log=/var/log/swarm/drone.log", "errlog=/var/log/swarm/drone.log",
			"retry=TERM/7200/TERM/60/KILL/5"}},
	}
	for _, tt := range tests {
		out, err := openrcEnv(t, tt.svc, nil, show)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tt.svc, err, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: want %q in\n%s", tt.svc, w, out)
			}
		}
	}
}

// TestOpenRCCheckConfig: start refuses, saying how to fix it, when the
// orchestrator's state folder or the drone's file is missing, and passes
// when they are there.
func TestOpenRCCheckConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "drone.toml")
	tests := []struct {
		svc      string
		settings map[string]string
		want     string // "" = passes
	}{
		{"swarm-orchestrator", map[string]string{"SWARM_DIR": dir}, "emerge --config app-admin/swarm"},
		{"swarm-drone", map[string]string{"SWARM_DRONE_CONFIG": conf}, "swarm drones add ID"},
	}
	for _, tt := range tests {
		out, err := openrcEnv(t, tt.svc, tt.settings, "checkconfig")
		if err == nil || !strings.Contains(out, tt.want) {
			t.Errorf("%s checkconfig without its files: %v, %q; want a failure naming %q", tt.svc, err, out, tt.want)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".swarm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if out, err := openrcEnv(t, tt.svc, tt.settings, "checkconfig"); err != nil {
			t.Errorf("%s checkconfig with its files: %v\n%s", tt.svc, err, out)
		}
	}
}

// TestOpenRCStartPre: the orchestrator makes its log folder its user's; a
// drone on the same host makes its build-log folder but leaves the shared
// log folder as it is, so neither takes it from the other.
func TestOpenRCStartPre(t *testing.T) {
	logs := t.TempDir() // the shared log folder, already there
	state := t.TempDir()
	if err := os.Mkdir(filepath.Join(state, ".swarm"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(state, "drone.toml")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := openrcEnv(t, "swarm-orchestrator", map[string]string{"SWARM_DIR": state,
		"SWARM_LOG": logs + "/orchestrator.log"}, "start_pre")
	if want := "checkpath -d -m 0750 -o swarm:swarm " + logs + "\n"; err != nil || out != want {
		t.Errorf("orchestrator start_pre: %v, %q; want %q", err, out, want)
	}
	out, err = openrcEnv(t, "swarm-drone", map[string]string{"SWARM_DRONE_CONFIG": conf,
		"SWARM_LOG": logs + "/drone.log", "SWARM_BUILD_LOGS": logs + "/builds"}, "start_pre")
	if want := "checkpath -d -m 0750 " + logs + "/builds\n"; err != nil || out != want {
		t.Errorf("drone start_pre: %v, %q; want %q", err, out, want)
	}
}
