package jetstream_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/eventlog/logtest"
)

// TestConformanceCluster runs the conformance suite against a three-member
// cluster in this process (three embedded servers, routes over loopback
// TCP), the suite's log being member a's. Its crash case kills a child
// process holding all three members: the whole cluster dies at once, and
// every append acknowledged is there when it comes back.
func TestConformanceCluster(t *testing.T) {
	t.Setenv(clusterCrashEnv, "1") // the crash child opens the cluster too
	logtest.Run(t, openCluster)
}

// clusterCrashEnv tells a crash child (openAny) to open a cluster.
const clusterCrashEnv = "SWARM_JS_CRASH_CLUSTER"

// clusterPorts is the file in a conformance cluster's folder that holds
// its members' route addresses, so that it reopens on them.
const clusterPorts = "cluster.routes"

// clusterLog is member a's log; Close closes all three members.
type clusterLog struct {
	*jetstream.Log
	others []*jetstream.Log
}

func (c *clusterLog) Close() error {
	var errs []error
	for _, l := range append([]*jetstream.Log{c.Log}, c.others...) {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}

// openCluster opens (creating it) the three-member cluster kept in dir.
func openCluster(t testing.TB, dir string) eventlog.Log {
	routes := clusterRoutes(t, dir)
	logs := make([]*jetstream.Log, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, name := range []string{"a", "b", "c"} {
		wg.Go(func() {
			logs[i], errs[i] = jetstream.Open(context.Background(), filepath.Join(dir, name), jetstream.Options{
				Name: name, ClusterListen: routes[i], Routes: routes, Replicas: 3, RouteSecret: testSecret})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, l := range logs {
			if l != nil {
				l.Close()
			}
		}
		t.Fatal(err)
	}
	return &clusterLog{Log: logs[0], others: logs[1:]}
}

func clusterRoutes(t testing.TB, dir string) []string {
	path := filepath.Join(dir, clusterPorts)
	if b, err := os.ReadFile(path); err == nil {
		return strings.Fields(string(b))
	}
	routes := []string{freePort(t), freePort(t), freePort(t)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Join(routes, " ")), 0o600); err != nil {
		t.Fatal(err)
	}
	return routes
}

// openAny is the crash child's Opener: the cluster when the test that
// started it runs the suite on one (clusterCrashEnv), else a single node.
func openAny(t testing.TB, dir string) eventlog.Log {
	if os.Getenv(clusterCrashEnv) != "" {
		return openCluster(t, dir)
	}
	return openJS(t, dir)
}
