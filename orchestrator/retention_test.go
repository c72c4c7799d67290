package orchestrator

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/projections"
)

// TestRetentionInIndexLoop: with binhost.keep = 2, four builds of one CPV
// leave two; the two oldest are pruned and their files deleted once the
// live index no longer lists them. A pruning appended by someone else
// (verify --repair) is written out by the server too.
func TestRetentionInIndexLoop(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.Binhost.Keep = 2 }, "a")
	const atom = "app-misc/hello-1.0"
	ts.enqueue(atom)
	body := realPkg(t, "hello-1.0-1.gpkg.tar")
	ctx := context.Background()
	for range 4 {
		fence := ts.claimFor("a", atom)
		if code, out := ts.upload("a", atom, fence, body, sum(body), len(body)); code != http.StatusOK {
			t.Fatalf("upload: %d %s", code, out)
		}
		if _, err := ts.store.Execute(ctx, commands.Complete("a", atom, fence, commands.Binpkg{})); err != nil {
			t.Fatal(err)
		}
		requeue(t, ts, atom)
	}
	file := func(id int) string {
		return filepath.Join(ts.dir, "binhost", "packages", fmt.Sprintf("app-misc/hello/hello-1.0-%d.gpkg.tar", id))
	}
	index := func() string {
		data, _ := os.ReadFile(filepath.Join(ts.dir, "binhost", "packages", "Packages"))
		return string(data)
	}
	gone := func(id int) bool {
		_, err := os.Stat(file(id))
		return os.IsNotExist(err) && !strings.Contains(index(), fmt.Sprintf("hello-1.0-%d.gpkg.tar", id))
	}
	waitUntil(t, "builds 1 and 2 pruned and deleted", func() bool { return gone(1) && gone(2) })
	for _, id := range []int{3, 4} {
		if _, err := os.Stat(file(id)); err != nil || !strings.Contains(index(), fmt.Sprintf("hello-1.0-%d.gpkg.tar", id)) {
			t.Fatalf("build %d: %v; index:\n%s", id, err, index())
		}
	}
	var u projections.BinhostUsage
	ts.store.Read(ctx, func(st *projections.State) { u = st.BinhostUsage() })
	if u.Builds != 2 || u.Pruned != 2 {
		t.Fatalf("usage %+v", u)
	}

	// A repair's pruning, appended beside the server.
	if _, err := ts.store.Execute(ctx, commands.Repair(commands.ActorOperator,
		[]commands.Damaged{{CPV: atom, BuildID: 4, Problem: "truncated"}})); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "build 4 taken out by the server", func() bool { return gone(4) })
	if _, err := os.Stat(file(3)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "binhost", binhost.IndexLockFile)); err != nil {
		t.Fatal(err)
	}
}
