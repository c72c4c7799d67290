package eventlog_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/logtest"
	"github.com/swarm-build/swarm/events"
)

func openFile(t testing.TB, dir string) eventlog.Log {
	l, err := eventlog.OpenFile(dir, events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestFileConformance(t *testing.T) { logtest.Run(t, openFile) }

func TestMain(m *testing.M) {
	logtest.CrashChild(openFile)
	os.Exit(m.Run())
}

// TestFileDamage flips a byte in the middle of the only segment.
func TestFileDamage(t *testing.T) {
	logtest.RunDamage(t, openFile, func(t testing.TB, dir string) {
		segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
		if len(segs) != 1 {
			t.Fatalf("segments %v, want one", segs)
		}
		logtest.FlipMiddle(t, segs[0])
	})
}
