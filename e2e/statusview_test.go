package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"
)

// TestStatusViewIsTheCLIs: the server's /v1/status is the very object
// `swarm status --json` prints (issue 12: they disagreed because two
// judgments lived in the CLI), the server included: a CLI beside it finds
// it running, and the server describes itself the same way.
func TestStatusViewIsTheCLIs(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("d1")
	f.serve()
	f.swarm("enqueue", "app-misc/hello-1.0", "dev-qt/qtcore-5.9.4-r2")
	f.swarm("config", "set", "farm.stale_after", "1s") // a judgment that needs the clock and the config

	resp, err := http.Get(f.url + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var server, cli map[string]any
	if err := json.Unmarshal(body, &server); err != nil {
		t.Fatalf("/v1/status: %v\n%s", err, body)
	}
	if err := json.Unmarshal([]byte(f.swarm("status", "--json")), &cli); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"seq", "queue", "binary", "server", "rate_per_hour"} {
		if _, ok := cli[key]; !ok {
			t.Errorf("status --json lacks %q", key)
		}
	}
	if srv, ok := cli["server"].(map[string]any); !ok || srv["ok"] != true || srv["url"] != f.url {
		t.Errorf("status --json server = %v, want ok at %s", cli["server"], f.url)
	}
	if !reflect.DeepEqual(server, cli) {
		a, _ := json.MarshalIndent(server, "", "  ")
		b, _ := json.MarshalIndent(cli, "", "  ")
		t.Fatalf("/v1/status and status --json differ:\n%s\n---\n%s", a, b)
	}
}
