package commands

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/projections"
)

func jetStreamLog() config.LogConfig {
	c := config.Default().Log
	c.Backend = config.BackendJetStream
	return c
}

func enqueue(t *testing.T, s *Store, atoms ...string) {
	t.Helper()
	if _, err := s.Execute(context.Background(), Enqueue("operator", atoms)); err != nil {
		t.Fatalf("enqueue %v: %v", atoms, err)
	}
}

func queued(t *testing.T, s *Store) int {
	t.Helper()
	st, err := s.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Count(projections.Needed)
}

// TestStoreOnJetStream: with [log] backend = "jetstream" the store decides
// and appends into the embedded stream, not .swarm/events, and a store
// opened again folds the same State from it, which verifies.
func TestStoreOnJetStream(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir, StoreOptions{Backend: jetStreamLog()})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Log().(*jetstream.Log); !ok {
		t.Fatalf("the store's log is a %T, not the JetStream log", s.Log())
	}
	enqueue(t, s, "dev-libs/a-1", "dev-libs/b-1")
	out, err := s.Execute(context.Background(), Enqueue("operator", []string{"dev-libs/c-1"}))
	if err != nil {
		t.Fatal(err)
	}
	// The State the batch was decided in folds the events as appended:
	// seqs stamped before the append (a claim's fence is its seq).
	if len(out.Events) != 1 || out.Events[0].Seq != 3 || out.Events[0].Time.IsZero() || out.State.Seq != 3 {
		t.Fatalf("Execute's events %+v, State at seq %d; want event 3 with a time, State at 3", out.Events, out.State.Seq)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "events")); err == nil {
		t.Errorf("a JetStream farm made .swarm/events")
	}
	s, err = OpenStore(dir, StoreOptions{Backend: jetStreamLog(), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := queued(t, s); n != 3 {
		t.Errorf("reopened: %d packages queued, want 3", n)
	}
	rep, err := s.Log().Verify(context.Background())
	if err != nil || rep.Last != 3 {
		t.Errorf("Verify = %+v, %v; want 3 events", rep, err)
	}
}

// TestJetStreamBesideServe: while one process owns the store folder (swarm
// serve), another store connects to its server through client.json (0600)
// and both append to the one log, each seeing the other's events; once the
// owner closes, client.json is gone and the folder opens again.
func TestJetStreamBesideServe(t *testing.T) {
	dir := t.TempDir()
	owner, err := OpenStore(dir, StoreOptions{Backend: jetStreamLog(), Own: true})
	if err != nil {
		t.Fatal(err)
	}
	client := filepath.Join(dir, JetStreamDir, ClientFile)
	if fi, err := os.Stat(client); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("client file: %v, %v; want mode 0600", fi, err)
	}
	enqueue(t, owner, "dev-libs/a-1")
	cli, err := OpenStore(dir, StoreOptions{Backend: jetStreamLog()})
	if err != nil {
		t.Fatalf("a second store beside the owner: %v", err)
	}
	enqueue(t, cli, "dev-libs/b-1")   // decided on a State it loaded through the owner's server
	enqueue(t, owner, "dev-libs/c-1") // the owner's cached State is behind: a conflict, then a retry
	if n := queued(t, cli); n != 3 {
		t.Errorf("the client sees %d packages, want 3", n)
	}
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}
	if n := queued(t, owner); n != 3 {
		t.Errorf("the owner sees %d packages, want 3", n)
	}
	if err := owner.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(client); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("client file after the owner closed: %v", err)
	}
	again, err := OpenStore(dir, StoreOptions{Backend: jetStreamLog(), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if n := queued(t, again); n != 3 {
		t.Errorf("after the owner: %d packages, want 3", n)
	}
}

// TestJetStreamOptionsCluster: a member's [log.jetstream] becomes the
// backend's cluster options, every member's route in one order (by name)
// so that all three dial the same list; a single node stays one.
func TestJetStreamOptionsCluster(t *testing.T) {
	c := jetStreamLog().JetStream
	single, err := JetStreamOptions(c, StoreOptions{})
	if err != nil || single.Replicas > 1 || single.Name != "" || len(single.Routes) != 0 {
		t.Fatalf("single node: %+v, %v", single, err)
	}
	c.Name, c.ClusterListen, c.Replicas = "b", "127.0.0.1:6223", 3
	c.Members = map[string]config.JetStreamMember{
		"c": {Route: "127.0.0.1:6224"}, "a": {Route: "127.0.0.1:6222"}, "b": {Route: "127.0.0.1:6223"}}
	jo, err := JetStreamOptions(c, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1:6222", "127.0.0.1:6223", "127.0.0.1:6224"}
	if jo.Name != "b" || jo.ClusterListen != "127.0.0.1:6223" || jo.Replicas != 3 || !slices.Equal(jo.Routes, want) {
		t.Errorf("cluster options %+v, want member b on 6223, replicas 3, routes %v", jo, want)
	}
}

// TestRecordsFallback: records re-encoded from a backend's events are the
// file log's own records, chain and all (what fetch and bundles carry).
func TestRecordsFallback(t *testing.T) {
	s, err := OpenStore(t.TempDir(), StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	enqueue(t, s, "dev-libs/a-1", "dev-libs/b-1")
	enqueue(t, s, "dev-libs/c-1")
	ctx := context.Background()
	var own, re []string
	for r, err := range eventlog.Records(ctx, s.Log(), 2) {
		if err != nil {
			t.Fatal(err)
		}
		own = append(own, string(r.Data)+r.Chain.String())
	}
	for r, err := range eventlog.Records(ctx, onlyLog{s.Log()}, 2) {
		if err != nil {
			t.Fatal(err)
		}
		re = append(re, string(r.Data)+r.Chain.String())
	}
	if len(own) != 2 || strings.Join(own, "|") != strings.Join(re, "|") {
		t.Errorf("records: the file log's %q, re-encoded %q", own, re)
	}
}

// onlyLog hides every optional power of a log.
type onlyLog struct{ eventlog.Log }

// TestBackendSwitchedByHand: a [log] backend switched without migrating
// names an empty log while the other holds the farm's events; the store
// refuses to open it, saying how to move them, rather than show an empty
// farm. Both ways.
func TestBackendSwitchedByHand(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to config.LogConfig
	}{
		{"file to jetstream", config.Default().Log, jetStreamLog()},
		{"jetstream to file", jetStreamLog(), config.Default().Log},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := OpenStore(dir, StoreOptions{Backend: tc.from})
			if err != nil {
				t.Fatal(err)
			}
			enqueue(t, s, "dev-libs/a-1")
			s.Close()
			_, err = OpenStore(dir, StoreOptions{Backend: tc.to})
			if !errors.Is(err, ErrOtherBackend) || !strings.Contains(err.Error(), "swarm log migrate --to "+tc.to.Backend) {
				t.Fatalf("OpenStore on the empty backend = %v, want ErrOtherBackend naming the migration", err)
			}
			s, err = OpenStore(dir, StoreOptions{Backend: tc.from}) // the way back still opens
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		})
	}
}
