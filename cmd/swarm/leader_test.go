package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/orchestrator"
)

// following is a member of a cluster that does not lead; leader is the
// one that does ("" while none is known).
type following struct{ leader string }

func (f following) Leader() (bool, string)   { return false, f.leader }
func (f following) Changed() <-chan struct{} { return nil }

// TestStatusOnAFollowerNamesTheLeader runs a real orchestrator on the
// folder as a follower and asks `swarm status` about it.
func TestStatusOnAFollowerNamesTheLeader(t *testing.T) {
	for _, tc := range []struct {
		name, leader, want string
	}{
		{"leader known", "http://10.0.0.2:8093", "following the leader at http://10.0.0.2:8093"},
		{"no leader yet", "", "following: no leader yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			swarm := func(args ...string) string {
				t.Helper()
				var out, errOut bytes.Buffer
				if code := run(append([]string{"--dir", root}, args...), &out, &errOut); code != 0 {
					t.Fatalf("swarm %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
				}
				return out.String()
			}
			swarm("init", root)
			state := filepath.Join(root, stateDirName)
			url := startFollower(t, state, tc.leader)

			out := swarm("status")
			if !strings.Contains(out, "running at "+url) || !strings.Contains(out, tc.want) {
				t.Errorf("status on a follower lacks %q:\n%s", tc.want, out)
			}
			var rep commands.Report
			if err := json.Unmarshal([]byte(swarm("status", "--json")), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Server == nil || rep.Server.Role != "follower" || rep.Server.Leader != tc.leader {
				t.Errorf("status --json server: %+v, want follower of %q", rep.Server, tc.leader)
			}
		})
	}
}

// startFollower serves the state folder state as a follower of leader and
// names it in serve.json, as `swarm serve` does.
func startFollower(t *testing.T, state, leader string) string {
	t.Helper()
	store, err := commands.OpenStore(state, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := orchestrator.New(store, config.Default(), orchestrator.Options{Version: "test",
		Leadership: following{leader}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		store.Close()
	})
	url := "http://" + ln.Addr().String()
	b, err := json.Marshal(serveInfo{URL: url, PID: os.Getpid(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, serveFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return url
}
