package orchestrator

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
)

// Served beyond loopback, the read views need an operator's token (either
// role); /v1/health stays open. On loopback they are open.
func TestViewsNeedATokenBeyondLoopback(t *testing.T) {
	for _, tc := range []struct {
		listen string
		open   bool
	}{
		{"127.0.0.1:0", true},
		{"0.0.0.0:0", false},
	} {
		t.Run(tc.listen, func(t *testing.T) {
			url := viewServer(t, tc.listen)
			for _, path := range []string{"/v1/status", "/v1/queue", "/v1/drones", "/v1/log"} {
				for _, auth := range []struct {
					header string
					ok     bool
				}{
					{"", tc.open},
					{"Bearer wrong", tc.open},
					{"Bearer token-d", tc.open}, // a drone's token reads nothing
					{"Bearer token-alice", true},
					{"Bearer token-bob", true}, // read-only
				} {
					if got := get(t, url+path, auth.header); (got == http.StatusOK) != auth.ok {
						t.Errorf("GET %s with %q: HTTP %d, want ok=%v", path, auth.header, got, auth.ok)
					} else if !auth.ok && got != http.StatusUnauthorized {
						t.Errorf("GET %s with %q: HTTP %d, want 401", path, auth.header, got)
					}
				}
			}
			if got := get(t, url+"/v1/health", ""); got != http.StatusOK {
				t.Errorf("GET /v1/health: HTTP %d", got)
			}
		})
	}
}

// viewServer runs a server listening on listen, reached over 127.0.0.1.
func viewServer(t *testing.T, listen string) string {
	cfg := config.Default()
	cfg.Drones["d"] = config.DroneConfig{TokenSHA256: config.TokenHash("token-d")}
	cfg.Operators["alice"] = config.OperatorConfig{TokenSHA256: config.TokenHash("token-alice"), Role: config.RoleOperator}
	cfg.Operators["bob"] = config.OperatorConfig{TokenSHA256: config.TokenHash("token-bob"), Role: config.RoleReadOnly}
	store, err := commands.OpenStore(t.TempDir(), commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(store, cfg, Options{}).Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		store.Close()
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "http://127.0.0.1:" + port
}

func get(t *testing.T, url, auth string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
