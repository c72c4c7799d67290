package orchestrator

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
)

// fuzzVerbs are the drone verbs, indexed by the fuzzer's verb byte.
var fuzzVerbs = []string{api.VerbRegister, api.VerbHeartbeat, api.VerbClaim,
	api.VerbComplete, api.VerbFail, api.VerbReturn}

// FuzzDroneRequest sends arbitrary bodies to every drone verb of a real
// server over a real store, with the drone's token and without: no input
// is a 500, and an input that is refused appends nothing but, for a report
// on a claim the drone really held and lost to a newer one, the record of
// that refusal (report_refused). Nothing else
// appends meanwhile (heartbeats and leases are hours long), so any change
// of the log's seq over a refused request is the request's doing.
func FuzzDroneRequest(f *testing.F) {
	for i, body := range []string{
		`{"cores":4,"slots":1,"health":"healthy","version":"1","tree":"t","capabilities":["amd64"]}`,
		`{"health":"healthy","cpu_percent":10,"tasks":[{"atom":"dev-libs/icu-60.2","fence":1,"progress":5}]}`,
		`{"wait_ms":10}`,
		`{"atom":"dev-libs/icu-60.2","fence":1,"sha256":"` + strings.Repeat("0a", 32) + `","size":3}`,
		`{"atom":"dev-libs/icu-60.2","fence":1,"signature":"x","reason":"r","excerpt":"\u001b[31m\n"}`,
		`{"atom":"dev-libs/icu-60.2","fence":1,"reason":"stopping"}`,
	} {
		f.Add(uint8(i), true, "application/json", []byte(body))
		f.Add(uint8(i), false, "application/json", []byte(body))
	}
	f.Add(uint8(1), true, "application/json", []byte(`null`))
	f.Add(uint8(1), true, "application/json", []byte(`{"health":"healthy"}{}`))
	f.Add(uint8(0), true, "text/plain", []byte(`{"cores":1}`))
	f.Add(uint8(3), true, "application/json", []byte(`{"atom":"dev-libs/icu-60.2","fence":1,"size":-1}`))
	f.Add(uint8(1), true, "application/json", []byte("{\"tree\":\"\x1b[2J\"}"))
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, verb uint8, auth bool, ctype string, body []byte) {
		before := srv.seq(t)
		status := srv.post(t, fuzzVerbs[int(verb)%len(fuzzVerbs)], auth, ctype, body)
		if status >= 500 {
			t.Fatalf("HTTP %d for %q", status, body)
		}
		if !auth && status != http.StatusUnauthorized {
			t.Fatalf("without a token: HTTP %d", status)
		}
		if status/100 != 2 {
			if after := srv.seq(t); after != before && (status != http.StatusConflict || !srv.onlyRefusals(t, before)) {
				t.Fatalf("refused with HTTP %d but appended: seq %d → %d", status, before, after)
			}
		}
	})
}

type fuzzTarget struct {
	store *commands.Store
	url   string
	hc    *http.Client
}

func fuzzServer(f *testing.F) *fuzzTarget {
	dir := f.TempDir()
	cfg := config.Default()
	cfg.Farm.Heartbeat.Duration, cfg.Farm.Lease.Duration = time.Hour, 4*time.Hour
	cfg.Server.MaintenanceEvery.Duration = time.Hour
	cfg.Drones["a"] = config.DroneConfig{TokenSHA256: config.TokenHash("token-a")}
	store, err := commands.OpenStore(dir, commands.StoreOptions{})
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(store, cfg, Options{MaxWait: 20 * time.Millisecond}).Run(ctx, ln) }()
	f.Cleanup(func() {
		cancel()
		<-done
		store.Close()
	})
	url := "http://" + ln.Addr().String()
	c := api.NewClient(url, "a", "token-a", nil)
	if _, err := c.Register(ctx, api.RegisterRequest{Cores: 2, Slots: 4, Health: "healthy"}); err != nil {
		f.Fatal(err)
	}
	if _, err := store.Execute(ctx, commands.Enqueue(commands.ActorOperator,
		[]string{"dev-libs/icu-60.2", "sys-devel/llvm-19.1.7", "app-misc/jq-1.7.1"})); err != nil {
		f.Fatal(err)
	}
	if r, err := c.Claim(ctx, 0); err != nil || r.Claim == nil {
		f.Fatalf("claim: %+v %v", r, err)
	}
	return &fuzzTarget{store: store, url: url, hc: &http.Client{Timeout: 30 * time.Second}}
}

func (ft *fuzzTarget) seq(t *testing.T) uint64 {
	st, err := ft.store.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Seq
}

func (ft *fuzzTarget) post(t *testing.T, verb string, auth bool, ctype string, body []byte) int {
	req, err := http.NewRequest(http.MethodPost, ft.url+api.DronePath("a", verb), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// A header value net/http will not send is the client's refusal, not
	// the server's: keep what it can send.
	ctype = strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, ctype)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth {
		req.Header.Set("Authorization", "Bearer token-a")
	}
	resp, err := ft.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// onlyRefusals reports whether every event after seq records a refused
// report of drone a.
func (ft *fuzzTarget) onlyRefusals(t *testing.T, seq uint64) bool {
	for e, err := range ft.store.Log().Events(context.Background(), seq+1) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Type != events.TypeReportRefused || e.Drone != "a" {
			return false
		}
	}
	return true
}
