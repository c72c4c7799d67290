package orchestrator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/api"
)

// post sends body to drone a's verb as-is, with contentType, and returns
// the status and the error message.
func (ts *testServer) post(verb, contentType, body string) (int, string) {
	ts.t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.url+api.DronePath("a", verb), strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer token-a")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var e api.Error
	_ = json.Unmarshal(data, &e)
	return resp.StatusCode, e.Message
}

// Bodies that are not exactly one acceptable JSON object are refused with
// 400 saying what is wrong, and append nothing.
func TestStrictBodies(t *testing.T) {
	ts := startServer(t, nil, "a")
	register(t, ts.client("a"), 1)
	ts.enqueue("dev-libs/icu-60.2")
	c, err := ts.client("a").Claim(t.Context(), 0)
	if err != nil || c.Claim == nil {
		t.Fatalf("claim: %+v %v", c, err)
	}
	const js = "application/json"
	big := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name, verb, ctype, body string
		status                  int
		want                    string // in the message
	}{
		{"null", "heartbeat", js, `null`, 400, "one JSON object"},
		{"empty", "heartbeat", js, ``, 400, "one JSON object"},
		{"array", "heartbeat", js, `[{}]`, 400, "one JSON object"},
		{"trailing object", "heartbeat", js, `{"health":"healthy"}{"health":"healthy"}`, 400, "after the JSON object"},
		{"trailing garbage", "heartbeat", js, `{"health":"healthy"} x`, 400, "after the JSON object"},
		{"no content type", "heartbeat", "", `{"health":"healthy"}`, 400, "Content-Type"},
		{"form content type", "heartbeat", "application/x-www-form-urlencoded", `{"health":"healthy"}`, 400, "Content-Type"},
		{"text content type", "heartbeat", "text/plain", `{"health":"healthy"}`, 400, "Content-Type"},
		{"invalid utf-8", "heartbeat", js, "{\"health\":\"healthy\",\"tree\":\"\xff\"}", 400, "UTF-8"},
		{"too large", "heartbeat", js, `{"tree":"` + big + `"}`, 413, "at most"},
		{"negative size", "complete", js, `{"atom":"dev-libs/icu-60.2","fence":1,"size":-1}`, 400, "size"},
		{"short sha256", "complete", js, `{"atom":"dev-libs/icu-60.2","fence":1,"sha256":"abc","size":1}`, 400, "sha256"},
		{"upper sha256", "complete", js, `{"atom":"dev-libs/icu-60.2","fence":1,"sha256":"` + strings.Repeat("A", 64) + `","size":1}`, 400, "sha256"},
		{"zero fence", "complete", js, `{"atom":"dev-libs/icu-60.2","fence":0}`, 400, "fence"},
		{"bad atom", "complete", js, `{"atom":"not an atom","fence":1}`, 400, "atom"},
		{"bad atom fail", "fail", js, `{"atom":"../../etc/passwd","fence":1}`, 400, "atom"},
		{"bad atom return", "return", js, `{"atom":"","fence":1}`, 400, "atom"},
		{"task fence 0", "heartbeat", js, `{"health":"healthy","tasks":[{"atom":"dev-libs/icu-60.2","fence":0}]}`, 400, "tasks[0].fence"},
		{"task bad atom", "heartbeat", js, `{"health":"healthy","tasks":[{"atom":"x","fence":1}]}`, 400, "tasks[0].atom"},
		{"negative wait", "claim", js, `{"wait_ms":-5}`, 400, "wait_ms"},
		{"wrong type", "claim", js, `{"wait_ms":"soon"}`, 400, "wait_ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ts.seq()
			status, msg := ts.post(tc.verb, tc.ctype, tc.body)
			if status != tc.status || !strings.Contains(msg, tc.want) {
				t.Errorf("HTTP %d %q, want %d naming %q", status, msg, tc.status, tc.want)
			}
			if after := ts.seq(); after != before {
				t.Errorf("appended: seq %d → %d", before, after)
			}
		})
	}
	// The control: the same server takes well-formed reports.
	for _, ok := range []struct{ ctype, body string }{
		{"application/json; charset=utf-8", `{"health":"healthy","unknown_key":1}`},
		{"Application/JSON", `{"health":"healthy"}`},
		{js, " \t{\"health\":\"healthy\"}\n \r\n"}, // spaces either side are not data
	} {
		if status, msg := ts.post("heartbeat", ok.ctype, ok.body); status != 200 {
			t.Fatalf("a good heartbeat (%s, %q): HTTP %d %s", ok.ctype, ok.body, status, msg)
		}
	}
	if status, msg := ts.post("complete", js, `{"atom":"dev-libs/icu-60.2","fence":`+itoa(c.Claim.Fence)+
		`,"sha256":"`+strings.Repeat("ab", 32)+`","size":10}`); status != 200 {
		t.Fatalf("a good completion: HTTP %d %s", status, msg)
	}
}

// Drone-supplied identity fields must be printable text of bounded size:
// they reach operators' terminals and every event. Build output (the
// excerpt) may hold escapes and newlines, only bounded.
func TestDroneFieldsArePrintableAndBounded(t *testing.T) {
	ts := startServer(t, nil, "a")
	register(t, ts.client("a"), 1)
	ts.enqueue("dev-libs/icu-60.2")
	c, err := ts.client("a").Claim(t.Context(), 0)
	if err != nil || c.Claim == nil {
		t.Fatalf("claim: %+v %v", c, err)
	}
	claim := `"atom":"dev-libs/icu-60.2","fence":` + itoa(c.Claim.Fence)
	esc := `\u001b]0;pwned\u0007\u001b[2J`
	for _, tc := range []struct {
		name, verb, body, field string
	}{
		{"escape in health", "heartbeat", `{"health":"healthy` + esc + `"}`, "health"},
		{"unknown health", "heartbeat", `{"health":"great"}`, "health"},
		{"escape in tree", "heartbeat", `{"health":"healthy","tree":"` + esc + `"}`, "tree"},
		{"huge tree", "heartbeat", `{"health":"healthy","tree":"` + strings.Repeat("t", 300000) + `"}`, "tree: at most 256 bytes"},
		{"newline in tree", "register", `{"cores":1,"tree":"a\nb"}`, "tree"},
		{"escape in version", "register", `{"cores":1,"version":"1.0` + esc + `"}`, "version"},
		{"long version", "register", `{"cores":1,"version":"` + strings.Repeat("v", 65) + `"}`, "version: at most 64 bytes"},
		{"escape in capability", "register", `{"cores":1,"capabilities":["amd64` + esc + `"]}`, "capabilities[0]"},
		{"bidi override in capability", "register", `{"cores":1,"capabilities":["amd\u202e64"]}`, "capabilities[0]"},
		{"too many capabilities", "register", `{"cores":1,"capabilities":[` + strings.Repeat(`"c",`, 64) + `"c"]}`, "capabilities: at most 64"},
		{"escape in signature", "fail", `{` + claim + `,"signature":"x` + esc + `","reason":"r"}`, "signature"},
		{"C1 control in reason", "fail", `{` + claim + `,"signature":"x","reason":"r\u009b31m"}`, "reason"},
		{"long reason", "return", `{` + claim + `,"reason":"` + strings.Repeat("r", 1025) + `"}`, "reason: at most 1024 bytes"},
		{"huge excerpt", "fail", `{` + claim + `,"signature":"x","reason":"r","excerpt":"` + strings.Repeat("e", 70000) + `"}`, "excerpt: at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ts.seq()
			status, msg := ts.post(tc.verb, "application/json", tc.body)
			if status != 400 || !strings.Contains(msg, tc.field) {
				t.Errorf("HTTP %d %q, want 400 naming %q", status, msg, tc.field)
			}
			if after := ts.seq(); after != before {
				t.Errorf("appended: seq %d → %d", before, after)
			}
		})
	}
	// Build output with colour and several lines is a legitimate excerpt.
	body := `{` + claim + `,"signature":"compile-error","reason":"emerge exited 1","excerpt":"\u001b[31merror\u001b[0m: x\nline 2\n"}`
	if status, msg := ts.post("fail", "application/json", body); status != 200 {
		t.Fatalf("a failure with a coloured excerpt: HTTP %d %s", status, msg)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
