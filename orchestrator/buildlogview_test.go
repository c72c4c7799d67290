package orchestrator

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/api"
)

// TestBuildLogView: an operator reads a kept build log over HTTP: its
// error context by default, all of it with full, and which attempt on
// which drone; a package with no kept log is ErrNoBuildLog.
func TestBuildLogView(t *testing.T) {
	ts := startStateServer(t, nil, "d1")
	c := ts.client("d1")
	cl := claimOne(t, ts, c, "app-misc/broken-0.1")
	ctx := context.Background()
	text := strings.Repeat("noise before the failure\n", 200) +
		" * ERROR: app-misc/broken-0.1::farm failed (compile phase):\n *   emake failed\n"
	if err := sendLog(ctx, c, cl.Atom, cl.Fence, zst(t, text)); err != nil {
		t.Fatal(err)
	}
	for _, atom := range []string{"app-misc/broken-0.1", "=app-misc/broken-0.1"} {
		got, err := api.FetchBuildLog(ctx, http.DefaultClient, ts.url, "", atom, false)
		if err != nil {
			t.Fatalf("%s: %v", atom, err)
		}
		if !strings.Contains(string(got.Text), "emake failed") || len(got.Text) >= len(text) {
			t.Errorf("%s: error context of %d bytes, want the ERROR block and less than the %d of the log:\n%s",
				atom, len(got.Text), len(text), got.Text)
		}
		if got.Attempt != "1 of 1" || got.Drone != "d1" {
			t.Errorf("%s: attempt %q on %q, want 1 of 1 on d1", atom, got.Attempt, got.Drone)
		}
	}
	full, err := api.FetchBuildLog(ctx, http.DefaultClient, ts.url, "", "app-misc/broken-0.1", true)
	if err != nil || string(full.Text) != text {
		t.Errorf("full log: %d bytes, %v; want the %d sent", len(full.Text), err, len(text))
	}
	if _, err := api.FetchBuildLog(ctx, http.DefaultClient, ts.url, "", "app-misc/never-1", false); !errors.Is(err, api.ErrNoBuildLog) {
		t.Errorf("a package never claimed: %v, want ErrNoBuildLog", err)
	}
}
