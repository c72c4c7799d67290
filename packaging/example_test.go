package packaging

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/swarm-build/swarm/drone"
)

// commentedKey is a documented key of drone.toml.example, commented out.
var commentedKey = regexp.MustCompile(`(?m)^# ([a-z_]+ = )`)

// TestDroneExample: /etc/swarm/drone.toml.example is a file swarm drone
// reads, its commented keys included (the drone refuses unknown keys).
func TestDroneExample(t *testing.T) {
	b, err := os.ReadFile("drone.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drone.ParseConfig(b); err != nil {
		t.Errorf("drone.toml.example: %v", err)
	}
	all := commentedKey.ReplaceAll(b, []byte("$1"))
	if len(commentedKey.FindAll(b, -1)) < 5 {
		t.Fatalf("drone.toml.example documents fewer keys than expected:\n%s", b)
	}
	c, err := drone.ParseConfig(all)
	if err != nil {
		t.Fatalf("drone.toml.example with every key uncommented: %v\n%s", err, all)
	}
	if c.LogDir != filepath.Join("/var/log/swarm", "builds") {
		t.Errorf("log_dir = %q, want the services' /var/log/swarm/builds", c.LogDir)
	}
}
