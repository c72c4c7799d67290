package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/eventlog/logtest"
)

// TestClusterOptions: options that cannot make a cluster are refused
// before anything starts.
func TestClusterOptions(t *testing.T) {
	routes := []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}
	for _, tc := range []struct {
		name string
		opts jetstream.Options
	}{
		{"no name", jetstream.Options{ClusterListen: routes[0], Routes: routes, Replicas: 3, RouteSecret: testSecret}},
		{"bad name", jetstream.Options{Name: "a b", ClusterListen: routes[0], Routes: routes, Replicas: 3, RouteSecret: testSecret}},
		{"no listener", jetstream.Options{Name: "a", Routes: routes, Replicas: 3, RouteSecret: testSecret}},
		{"bad port", jetstream.Options{Name: "a", ClusterListen: "127.0.0.1:x", Routes: routes, Replicas: 3, RouteSecret: testSecret}},
		{"bad route", jetstream.Options{Name: "a", ClusterListen: routes[0], Routes: []string{"nowhere"}, Replicas: 3, RouteSecret: testSecret}},
		{"too few members", jetstream.Options{Name: "a", ClusterListen: routes[0], Routes: routes[:2], Replicas: 3, RouteSecret: testSecret}},
		{"routes on a single node", jetstream.Options{Name: "a", ClusterListen: routes[0], Routes: routes, Replicas: 1}},
		{"no route secret", jetstream.Options{Name: "a", ClusterListen: routes[0], Routes: routes, Replicas: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			l, err := jetstream.Open(context.Background(), dir, tc.opts)
			if !errors.Is(err, jetstream.ErrClusterOptions) {
				if l != nil {
					l.Close()
				}
				t.Fatalf("Open = %v, want ErrClusterOptions", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("refused options made the store folder: %v", err)
			}
		})
	}
}

// TestClusterDoesNotForm: a member whose peers never answer gives up when
// its context ends, saying how many members it reached.
func TestClusterDoesNotForm(t *testing.T) {
	routes := []string{freePort(t), freePort(t), freePort(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	l, err := jetstream.Open(ctx, t.TempDir(), jetstream.Options{Name: "a", ClusterListen: routes[0], Routes: routes, Replicas: 3, RouteSecret: testSecret})
	if err == nil {
		l.Close()
		t.Fatal("a member alone opened the cluster's log")
	}
	if !errors.Is(err, jetstream.ErrNoQuorum) || !strings.Contains(err.Error(), "1 of 3 members reachable (a)") {
		t.Fatalf("Open = %v, want ErrNoQuorum naming 1 of 3 members reachable", err)
	}
}

// testSecret is the route secret of the tests' clusters.
const testSecret = "members-only-0123456789"

// TestWrongRouteSecret: a member with another route secret is not let
// in: the two that share the secret reach each other and not it, and it
// reaches nobody (and a stream of three replicas cannot be placed on two).
func TestWrongRouteSecret(t *testing.T) {
	routes := []string{freePort(t), freePort(t), freePort(t)}
	errs := make(chan error, 3)
	for i, name := range []string{"a", "b", "c"} {
		secret := testSecret
		if name == "c" {
			secret = "an-intruder-guessing-it"
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			l, err := jetstream.Open(ctx, t.TempDir(), jetstream.Options{Name: name, ClusterListen: routes[i],
				Routes: routes, Replicas: 3, RouteSecret: secret})
			if err == nil {
				l.Close()
				err = fmt.Errorf("member %s opened the log of a cluster with an intruder", name)
			}
			errs <- err
		}()
	}
	var got []string
	for range 3 {
		err := <-errs
		if !errors.Is(err, jetstream.ErrNoQuorum) {
			t.Errorf("Open = %v, want ErrNoQuorum", err)
			continue
		}
		got = append(got, err.Error())
	}
	slices.Sort(got)
	joined := strings.Join(got, "\n")
	// (a and b may each see the other's route or not yet when they give
	// up; neither ever sees c's.)
	if !strings.Contains(joined, "1 of 3 members reachable (c)") || strings.Contains(joined, ", c)") ||
		strings.Contains(joined, "(c, ") {
		t.Errorf("want c reaching nobody and nobody reaching c; got:\n%s", joined)
	}
}

// TestLeaderChanged: when the leading member goes, the others' Changed
// channels close, and Leader then names a new leader among them.
func TestLeaderChanged(t *testing.T) {
	cl := openCluster(t, t.TempDir()).(*clusterLog)
	defer cl.Close()
	all := append([]*jetstream.Log{cl.Log}, cl.others...)
	var lead *jetstream.Log
	var old string
	deadline := time.Now().Add(waitFor)
	for lead == nil && time.Now().Before(deadline) {
		for _, l := range all {
			if self, name := l.Leader(); self {
				lead, old = l, name
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if lead == nil {
		t.Fatalf("no member leads after %s", waitFor)
	}
	var rest []*jetstream.Log
	for _, l := range all {
		if l != lead {
			rest = append(rest, l)
		}
	}
	changed := rest[0].Changed()
	if err := lead.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(waitFor):
		t.Fatalf("no change of leader seen within %s of the leader %s closing", waitFor, old)
	}
	deadline = time.Now().Add(waitFor)
	for {
		s0, n0 := rest[0].Leader()
		s1, n1 := rest[1].Leader()
		if n0 != "" && n0 != old && n0 == n1 && s0 != s1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the leader %s closed: the others say (%t, %q) and (%t, %q)", old, s0, n0, s1, n1)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFollowAcrossFailover: a member following the log (as a follower's
// read views do) goes on yielding new events after the leader goes and
// another is elected, without a gap or a repeat.
func TestFollowAcrossFailover(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl := openCluster(t, t.TempDir()).(*clusterLog)
	defer cl.Close()
	all := append([]*jetstream.Log{cl.Log}, cl.others...)
	if _, err := cl.Append(ctx, logtest.Ev("before", 1)); err != nil {
		t.Fatal(err)
	}
	var lead *jetstream.Log
	for deadline := time.Now().Add(waitFor); lead == nil; time.Sleep(20 * time.Millisecond) {
		for _, l := range all {
			if self, _ := l.Leader(); self {
				lead = l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no member leads after %s", waitFor)
		}
	}
	var rest []*jetstream.Log
	for _, l := range all {
		if l != lead {
			rest = append(rest, l)
		}
	}
	seqs := make(chan uint64, 16)
	go func() {
		for e, err := range rest[0].Follow(ctx, 1) {
			if err != nil {
				t.Errorf("Follow: %v", err)
				close(seqs)
				return
			}
			seqs <- e.Seq
		}
	}()
	next := func(want uint64) {
		t.Helper()
		select {
		case s, ok := <-seqs:
			if !ok || s != want {
				t.Fatalf("Follow yielded %d (open %t), want %d", s, ok, want)
			}
		case <-time.After(waitFor):
			t.Fatalf("Follow yielded nothing within %s, want seq %d", waitFor, want)
		}
	}
	next(1)
	if err := lead.Close(); err != nil {
		t.Fatal(err)
	}
	for i := uint64(2); i <= 4; i++ {
		if _, err := rest[1].Append(ctx, logtest.Ev("after", int(i))); err != nil {
			t.Fatal(err)
		}
		next(i)
	}
}
