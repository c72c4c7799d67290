package jetstream_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/swarm-build/swarm/eventlog/logtest"
)

// follower is a running member that does not lead.
func (c *cluster) follower(lead *member) *member {
	return c.members[(slicesIndex(c.members, lead)+1)%len(c.members)]
}

// TestClusterCatchUp: a member killed while the others go on appending
// catches up by itself once restarted: its own replica ends where the log
// does, and it reads and verifies the same log.
func TestClusterCatchUp(t *testing.T) {
	c := startCluster(t, true)
	book := newAckBook()
	lead := c.waitHealthy()
	appendOn(t, lead, book, "before")
	down := c.follower(lead)
	down.kill()
	for i := range 30 {
		appendOn(t, lead, book, fmt.Sprintf("while-down-%d", i))
	}
	if err := down.start(); err != nil {
		t.Fatal(err)
	}
	checkSurvivors(t, c, book) // waits for down's replica
}

// TestClusterDamagedMember: a member whose block file was damaged while it
// was stopped. JetStream finds the damage lazily (when a read meets it),
// cuts the message out of that replica and does not get it back from the
// others (seen in some runs: reads through every member failed on the gap,
// again and again; in others no read met it); the member's witness is
// checked against the cluster's log, which the others hold whole. So what
// is guaranteed: reading or verifying through any member gives the whole
// log or fails with ErrCorrupt, never a shorter log; and the remedy works:
// the folder moved aside, the member starts empty and copies the whole log
// from the others.
func TestClusterDamagedMember(t *testing.T) {
	c := startCluster(t, true)
	book := newAckBook()
	lead := c.waitHealthy()
	for i := range 20 {
		appendOn(t, lead, book, fmt.Sprintf("a-%d", i))
	}
	hurt := c.follower(lead)
	hurt.stop()
	blks, _ := filepath.Glob(filepath.Join(hurt.spec.Dir, "jetstream", "*", "streams", "SWARM_farm", "msgs", "*.blk"))
	if len(blks) != 1 {
		t.Fatalf("block files %v, want one", blks)
	}
	logtest.FlipMiddle(t, blks[0])
	if err := hurt.start(); err != nil {
		t.Logf("the damaged member refused to open: %v", err)
	} else {
		for range 5 { // reads go to one replica or another: try each member a few times
			for _, m := range c.members {
				for _, verb := range []string{"actors 1", "verify"} {
					ans, err := m.do(verb)
					if err != nil || strings.HasPrefix(ans, "ok") && verb == "actors 1" && strings.Count(ans, ":") != 40 ||
						!strings.HasPrefix(ans, "ok") && !strings.Contains(ans, "damaged") {
						t.Fatalf("member %s: %s through a cluster with a damaged replica: %.300q %v", m.spec.Name, verb, ans, err)
					}
					if !strings.HasPrefix(ans, "ok") {
						t.Logf("member %s: %s: %.200s", m.spec.Name, verb, ans)
					}
				}
			}
		}
		hurt.stop()
	}
	appendOn(t, lead, book, "while-down")
	if err := os.Rename(hurt.spec.Dir, hurt.spec.Dir+".damaged"); err != nil {
		t.Fatal(err)
	}
	if err := hurt.start(); err != nil {
		t.Fatal(err)
	}
	appendOn(t, lead, book, "after")
	checkSurvivors(t, c, book)
}

// TestClusterWitness: each member's witness is checked against the
// cluster's log, so it catches the cluster as a whole losing acknowledged
// events. The three folders are put back to an older copy (a restore from
// an old backup, say), except member a's witness, which saw more: a
// refuses to open (ErrCorrupt), while b and c, whose witnesses are as old
// as the copy, open.
func TestClusterWitness(t *testing.T) {
	c := startCluster(t, true)
	book := newAckBook()
	lead := c.waitHealthy()
	for i := range 5 {
		appendOn(t, lead, book, fmt.Sprintf("old-%d", i))
	}
	c.stopAll()
	for _, m := range c.members {
		copyDir(t, m.spec.Dir, m.spec.Dir+".old")
	}
	c.startAll()
	lead = c.waitHealthy()
	for i := range 5 {
		appendOn(t, lead, book, fmt.Sprintf("new-%d", i))
	}
	a := c.members[0]
	appendOn(t, a, book, "seen-by-a") // a's process saw the log's end: its witness says so at Close
	c.stopAll()
	witness := filepath.Join(a.spec.Dir, "swarm-farm.tail")
	newer, err := os.ReadFile(witness)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.members {
		if err := os.RemoveAll(m.spec.Dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(m.spec.Dir+".old", m.spec.Dir); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(witness, newer, 0o600); err != nil {
		t.Fatal(err)
	}
	errs := c.startEach()
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "damaged") || !strings.Contains(errs[0].Error(), "swarm-farm.tail") {
		t.Fatalf("member a, whose witness saw more than the cluster holds, opened: %v", errs[0])
	}
	t.Log(errs[0])
	for i, err := range errs[1:] {
		if err != nil {
			t.Fatalf("member %s: %v", c.members[i+1].spec.Name, err)
		}
	}
}

// stopAll stops every member at once, cleanly.
func (c *cluster) stopAll() {
	var wg sync.WaitGroup
	for _, m := range c.members {
		wg.Go(m.stop)
	}
	wg.Wait()
}

// startEach starts every member at once (each Open waits for the others)
// and returns how each went.
func (c *cluster) startEach() []error {
	errs := make([]error, len(c.members))
	var wg sync.WaitGroup
	for i, m := range c.members {
		wg.Go(func() { errs[i] = m.start() })
	}
	wg.Wait()
	return errs
}

// startAll is startEach that must go well.
func (c *cluster) startAll() {
	c.t.Helper()
	if err := errors.Join(c.startEach()...); err != nil {
		c.t.Fatal(err)
	}
}

// copyDir copies the folder from to to (files and folders only).
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
