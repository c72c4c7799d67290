package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPortageVenvMissing: without a venv the real-portage tests fail
// saying how to make one, never skip.
func TestPortageVenvMissing(t *testing.T) {
	t.Setenv("SWARM_PORTAGE_VENV", t.TempDir())
	_, err := PortageVenv()
	if err == nil || !strings.Contains(err.Error(), "scripts/portage-venv.sh") {
		t.Fatalf("PortageVenv() with no emerge in the venv: %v, want an error naming scripts/portage-venv.sh", err)
	}
}

// TestPortageVenvFound: a venv with bin/emerge is the one returned.
func TestPortageVenvFound(t *testing.T) {
	venv := t.TempDir()
	if err := os.MkdirAll(filepath.Join(venv, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(venv, "bin", "emerge"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWARM_PORTAGE_VENV", venv)
	got, err := PortageVenv()
	if err != nil && !strings.Contains(err.Error(), "apt-get install") {
		t.Fatal(err)
	}
	if err == nil && got != venv {
		t.Fatalf("PortageVenv() = %q, want %q", got, venv)
	}
}
