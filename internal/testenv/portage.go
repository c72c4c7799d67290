package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DefaultPortageVenv is where scripts/portage-venv.sh makes the venv when
// SWARM_PORTAGE_VENV is not set.
const DefaultPortageVenv = "/tmp/swarm-portage-venv"

// portageTools are the programs the real-portage tests run beside the
// venv's: gpg for the farm key, wget for portage's fetches, zstd for gpkg.
var portageTools = []string{"bash", "gpg", "gpgconf", "wget", "zstd"}

// PortageVenv returns the virtualenv holding real portage for the tests
// that run it (portage 3.0.83 from PyPI): $SWARM_PORTAGE_VENV, else
// DefaultPortageVenv. It fails, saying what to install, when the venv has
// no emerge or a tool portage needs is missing: those tests are part of
// the suite and never skipped.
func PortageVenv() (string, error) {
	venv := os.Getenv("SWARM_PORTAGE_VENV")
	if venv == "" {
		venv = DefaultPortageVenv
	}
	var missing []string
	if _, err := os.Stat(filepath.Join(venv, "bin", "emerge")); err != nil {
		return "", fmt.Errorf("no real portage at %s (SWARM_PORTAGE_VENV, default %s): run "+
			"`export SWARM_PORTAGE_VENV=$(scripts/portage-venv.sh)`, which pip-installs portage 3.0.83 into a venv "+
			"(needs python3 with venv and pip)", venv, DefaultPortageVenv)
	}
	for _, tool := range portageTools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return "", errors.New("real portage needs " + strings.Join(missing, ", ") +
			": install them (apt-get install gnupg wget zstd)")
	}
	return venv, nil
}
