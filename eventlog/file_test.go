package eventlog_test

import (
	"os"
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
