package jetstream_test

import (
	"context"
	"testing"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/eventlog/logtest"
)

func openJS(t testing.TB, dir string) eventlog.Log {
	l, err := jetstream.Open(context.Background(), dir, jetstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestConformance(t *testing.T) { logtest.Run(t, openJS) }
