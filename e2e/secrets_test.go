package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/events"
)

// TestTokenNeverLeavesDrone: a drone given its token the recommended way,
// in $SWARM_DRONE_TOKEN, runs a build that fails after printing a file
// that holds the token (as it is and base64-encoded, as a build that read
// the drone's file might) and then its whole environment. The failure
// reaches the log, with the environment in its excerpt, but the token does
// not: not in `swarm log` (human or --json), not in `replay --explain`,
// not in any event the events reader decodes from the segments, not in any
// file of .swarm/, not in what the server printed.
func TestTokenNeverLeavesDrone(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	token := f.addDrone("d1")
	encoded := base64.StdEncoding.EncodeToString([]byte(token))
	f.serve()
	atom := realAtoms(t, 40, 1)[0]
	f.enqueue(atom)

	read := filepath.Join(f.root, "read-by-the-build.txt")
	text := "token = \"" + token + "\"\nencoded: " + encoded + "\n"
	if err := os.WriteFile(read, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f.startDrone("d1", droneOpts{env: []string{"FAKE_EMERGE_FAIL=*", "FAKE_EMERGE_FAIL_TEXT=" + read, "FAKE_EMERGE_FAIL_ENV=1"}})
	f.waitEvent(startTimeout, "d1's build of "+atom+" to fail", func(e event) bool {
		return e.Type == "failed" && e.Drone == "d1"
	})
	f.stopDrone("d1")

	jsonLog := f.swarm("log", "--json")
	var excerpt string
	for line := range strings.Lines(jsonLog) {
		var e struct {
			Type    string `json:"type"`
			Excerpt string `json:"excerpt"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("swarm log --json: %v in %q", err, line)
		}
		if e.Type == "failed" {
			excerpt = e.Excerpt
			break
		}
	}
	// The build did print its environment and the file, and both reached
	// the log: the test sees what an unredacted token would have shown.
	// (Some SWARM_ variable: which ones fit in the excerpt depends on the
	// host's environment, which dash prints in its own order.)
	for _, want := range []string{"SWARM_", "token = \"[redacted]\"", "encoded: [redacted]"} {
		if !strings.Contains(excerpt, want) {
			t.Errorf("the failure's excerpt does not hold %q:\n%s", want, excerpt)
		}
	}

	outputs := map[string]string{
		"swarm log --json":          jsonLog,
		"swarm log":                 f.swarm("log"),
		"swarm replay --explain":    f.swarm("replay", "--explain", atom),
		"swarm queue --json":        f.swarm("queue", "--json"),
		"the events reader":         decodedEvents(t, filepath.Join(f.root, ".swarm", "events")),
		"the output of swarm serve": readFile(t, f.logFile("server")),
	}
	for name, out := range outputs {
		for _, secret := range []string{token, encoded} {
			if strings.Contains(out, secret) {
				t.Errorf("%s holds the drone's token (%q)", name, secret)
			}
		}
	}
	err := filepath.WalkDir(filepath.Join(f.root, ".swarm"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data := readFile(t, path)
		if strings.Contains(data, token) || strings.Contains(data, encoded) {
			t.Errorf("%s holds the drone's token", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// decodedEvents reads the log in dir with the events package's own reader
// (the segments decompressed and decoded) and returns every event as JSON,
// one a line.
func decodedEvents(t *testing.T, dir string) string {
	t.Helper()
	l, err := events.Open(dir, events.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	var b strings.Builder
	for e, err := range l.Events(ctx, 0) {
		if err != nil {
			t.Fatalf("read the log: %v", err)
		}
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(data, '\n'))
	}
	if b.Len() == 0 {
		t.Fatalf("no events in %s", dir)
	}
	return b.String()
}
