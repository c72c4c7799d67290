package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHostileDroneInputIsRefused: a drone with a valid token that sends
// a 1 MB tree, terminal escapes in its identity fields, trailing data, a
// null body or the wrong content type gets 400 naming the field (and its
// limit), and the log gains nothing. The old server appended each as it
// came: a 1 MB tree in every heartbeat grew the log by 16 MB in 4 s.
func TestHostileDroneInputIsRefused(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	token := f.addDrone("d1")
	f.serve()
	if code, body := f.post("d1", token, "register", map[string]any{"cores": 1, "health": "healthy"}); code != http.StatusOK {
		t.Fatalf("register: HTTP %d %s", code, body)
	}
	before := len(f.events())
	for _, tc := range []struct {
		name, verb, ctype, body, want string
	}{
		{"1 MB tree", "heartbeat", "application/json", `{"health":"healthy","tree":"` + strings.Repeat("t", 1000000) + `"}`, "tree: at most 256 bytes"},
		{"escape in health", "heartbeat", "application/json", `{"health":"healthy\u001b[2J"}`, "health"},
		{"escape in version", "register", "application/json", `{"cores":1,"version":"\u001b]0;owned\u0007"}`, "version"},
		{"escape in capability", "register", "application/json", `{"cores":1,"capabilities":["\u001b[31mx"]}`, "capabilities[0]"},
		{"trailing data", "heartbeat", "application/json", `{"health":"healthy"} {"health":"healthy"}`, "after the JSON object"},
		{"null", "heartbeat", "application/json", `null`, "one JSON object"},
		{"form", "heartbeat", "application/x-www-form-urlencoded", `{"health":"healthy"}`, "Content-Type"},
	} {
		code, msg := rawPost(t, f.url+"/v1/drones/d1/"+tc.verb, token, tc.ctype, tc.body)
		if code != http.StatusBadRequest || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: HTTP %d %q, want 400 naming %q", tc.name, code, msg, tc.want)
		}
	}
	if after := len(f.events()); after != before {
		t.Errorf("refused requests appended %d events", after-before)
	}
}

func rawPost(t *testing.T, url, token, ctype, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	c := http.Client{Timeout: cliTimeout}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, b.String()
}
