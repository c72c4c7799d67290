package schedule_test

import (
	"github.com/swarm-build/swarm/internal/shareddata"
	"sync"
	"testing"

	"github.com/swarm-build/swarm/internal/simgraph"
	"github.com/swarm-build/swarm/schedule"
)

// Tests against the real Gentoo data in the repository's testdata/ (see
// its SOURCES.md), or $SWARM_SHARED_DATA; a missing file fails the test.

func dataFile(t testing.TB, rel string) string {
	t.Helper()
	return shareddata.File(t, rel)
}

var (
	realOnce  sync.Once
	realInput simgraph.Input
	realErr   error
)

// realJobs is the closure of the realistic world over the Macaroni
// md5-cache, with build times from the real emerge.log, loaded once.
func realJobs(t testing.TB) []schedule.Job {
	t.Helper()
	graph := dataFile(t, "graph/macaroni-next-md5cache.tsv.gz")
	log := dataFile(t, "emerge-log/emlop-emerge.10000.log.gz")
	realOnce.Do(func() { realInput, realErr = simgraph.Load(graph, log, 0) })
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realInput.Jobs
}

// The fleets of the benchmark: 4 drones as the issue writes them,
// and 16 of a farm's usual mix — two build servers, desktops, small boxes.
var (
	fleet4  = fleetOf(24, 16, 14, 8)
	fleet16 = fleetOf(32, 32, 24, 24, 16, 16, 16, 16, 12, 12, 8, 8, 8, 8, 4, 4)
)

func fleetOf(cores ...int) []schedule.Drone {
	f := make([]schedule.Drone, len(cores))
	for i, c := range cores {
		f[i] = schedule.Drone{ID: string(rune('a' + i)), Cores: c}
	}
	return f
}
