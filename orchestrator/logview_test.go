package orchestrator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/events"
)

func getPage(t *testing.T, url string) (int, api.LogPage) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page api.LogPage
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, page
}

// TestLogPages: /v1/log pages through the canonical records with their
// chain values, from after+1, limit at a time; past the end it is empty,
// beyond the end it is refused.
func TestLogPages(t *testing.T) {
	ts := startServer(t, nil)
	for i := range 5 {
		ts.enqueue(fmt.Sprintf("dev-libs/x%d-1.0", i))
	}
	last := ts.seq()
	log := ts.store.Log()
	code, page := getPage(t, ts.url+api.LogPath+"?after=1&limit=2")
	if code != http.StatusOK || page.After != 1 || len(page.Records) != 2 || page.Last != 3 {
		t.Fatalf("after=1&limit=2: HTTP %d, %+v", code, page)
	}
	prev, _ := log.ChainAfter(context.Background(), 1)
	if page.Prev != prev.String() {
		t.Errorf("prev %s, want the chain after seq 1, %s", page.Prev, prev)
	}
	for _, r := range page.Records {
		want, _ := log.ChainAfter(context.Background(), r.Seq)
		if r.Chain != want.String() {
			t.Errorf("seq %d: chain %s, want %s", r.Seq, r.Chain, want)
		}
		if e, ok, err := events.Canonical(r.Data); err != nil || !ok || e.Seq != r.Seq {
			t.Errorf("seq %d: not its canonical record (%v, %v)", r.Seq, ok, err)
		}
	}
	if code, page := getPage(t, ts.url+api.LogPath); code != http.StatusOK || uint64(len(page.Records)) != last {
		t.Errorf("the whole log: HTTP %d, %d records, want %d", code, len(page.Records), last)
	}
	if code, page := getPage(t, fmt.Sprintf("%s%s?after=%d", ts.url, api.LogPath, last)); code != http.StatusOK ||
		len(page.Records) != 0 || page.Last != last {
		t.Errorf("up to date: HTTP %d, %+v", code, page)
	}
	for _, q := range []string{"?after=999", "?after=x", "?limit=0"} {
		if code, _ := getPage(t, ts.url+api.LogPath+q); code == http.StatusOK {
			t.Errorf("%s: HTTP %d, want a refusal", q, code)
		}
	}
}
