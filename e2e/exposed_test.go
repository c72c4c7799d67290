package e2e

import (
	"net/http"
	"testing"
)

// getView GETs one of the server's read views with an operator token ("":
// none) and returns the status.
func (f *farm) getView(path, token string) int {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := http.Client{Timeout: cliTimeout}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestViewsNeedAnOperatorTokenBeyondLoopback: `swarm serve --listen
// 0.0.0.0:PORT` answers /v1/status, /v1/queue and /v1/drones only with an
// operator's token (either role, added by `swarm operators add`, and
// accepted without a restart); a drone's token or none is 401.
// /v1/health stays open. On loopback the views stay open.
func TestViewsNeedAnOperatorTokenBeyondLoopback(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	droneToken := f.addDrone("d1")
	f.serveOn("0.0.0.0:0")
	views := []string{"/v1/status", "/v1/queue", "/v1/drones", "/v1/dispatch"}
	for _, v := range views {
		for _, tok := range []string{"", "not-a-token", droneToken} {
			if got := f.getView(v, tok); got != http.StatusUnauthorized {
				t.Errorf("GET %s with token %q before any operator: HTTP %d, want 401", v, tok, got)
			}
		}
	}
	if got := f.getView("/v1/health", ""); got != http.StatusOK {
		t.Errorf("GET /v1/health: HTTP %d, want 200", got)
	}
	alice := f.operator("alice")
	grafana := f.operator("grafana", "--read-only")
	for _, v := range views {
		for _, tok := range []string{alice, grafana} {
			if got := f.getView(v, tok); got != http.StatusOK {
				t.Errorf("GET %s with an operator's token: HTTP %d, want 200", v, got)
			}
		}
	}
	f.swarm("operators", "remove", "alice")
	f.waitFor(startTimeout, "the removed operator's token to be refused", func() (bool, string) {
		got := f.getView("/v1/status", alice)
		return got == http.StatusUnauthorized, http.StatusText(got)
	})

	// On loopback (the default) they are open, as documented.
	f.stopServer()
	f.serveOn("127.0.0.1:0")
	for _, v := range views {
		if got := f.getView(v, ""); got != http.StatusOK {
			t.Errorf("GET %s on loopback without a token: HTTP %d, want 200", v, got)
		}
	}
}

// operator admits an operator with `swarm operators add` and returns the
// token it printed alone on stdout.
func (f *farm) operator(name string, args ...string) string {
	f.t.Helper()
	out := f.swarm(append([]string{"operators", "add", name}, args...)...)
	if len(out) < 2 || out[len(out)-1] != '\n' {
		f.t.Fatalf("swarm operators add %s printed %q, want the token alone", name, out)
	}
	return out[:len(out)-1]
}
