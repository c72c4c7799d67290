package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// logrotateCheck runs logrotate's dry run (-d) on a configuration: exit 0
// and no "error:" line is a pass.
func logrotateCheck(t *testing.T, text string) (string, bool) {
	t.Helper()
	lr := needTool(t, "logrotate", "apt-get install logrotate")
	dir := t.TempDir()
	conf := filepath.Join(dir, "swarm")
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lr, "-d", "-s", filepath.Join(dir, "state"), conf).CombinedOutput()
	return string(out), err == nil && !strings.Contains(string(out), "error:")
}

// TestLogrotateConfig: /etc/logrotate.d/swarm passes logrotate's own check
// (a misspelt directive does not), and rotates the very files the OpenRC
// services log to.
func TestLogrotateConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("logrotate", "swarm"))
	if err != nil {
		t.Fatal(err)
	}
	// logrotate checks that su's user exists; this machine has no swarm.
	text := strings.ReplaceAll(string(b), "su swarm swarm", "su root root")
	if out, ok := logrotateCheck(t, text); !ok {
		t.Errorf("logrotate -d: %s", out)
	}
	if out, ok := logrotateCheck(t, strings.Replace(text, "weekly", "weakly", 1)); ok {
		t.Errorf("logrotate -d passed a misspelt directive:\n%s", out)
	}
	for _, svc := range openrcServices {
		out, err := openrcEnv(t, svc, nil, `echo "$output_log"`)
		if err != nil || !strings.Contains(string(b), "\n"+strings.TrimSpace(out)+" {\n") {
			t.Errorf("logrotate/swarm does not rotate %s's log %q (%v)", svc, out, err)
		}
	}
}
