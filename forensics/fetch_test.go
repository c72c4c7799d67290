package forensics

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/events"
)

// logServer serves a log's pages as the orchestrator does, through edit
// (which may tamper with a page).
func logServer(t *testing.T, src *events.Log, edit func(*api.LogPage)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var after uint64
		for _, c := range r.URL.Query().Get("after") {
			after = after*10 + uint64(c-'0')
		}
		prev, err := src.ChainAfter(r.Context(), after)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		page := api.LogPage{After: after, Prev: prev.String(), Records: []api.LogRecord{}}
		for rec, err := range src.Records(r.Context(), after+1) {
			if err != nil {
				t.Error(err)
				return
			}
			page.Records = append(page.Records, api.LogRecord{Seq: rec.Seq, Data: rec.Data, Chain: rec.Chain.String()})
			if len(page.Records) == 7 {
				break
			}
		}
		if edit != nil {
			edit(&page)
		}
		writeJSONTest(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func openLog(t *testing.T) *events.Log {
	l, err := events.Open(t.TempDir(), events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestFetchCopiesAndContinues(t *testing.T) {
	ctx := context.Background()
	f := stormFarm(t)
	src := openLog(t)
	half := f.log[:len(f.log)/2]
	if _, err := src.Append(ctx, half...); err != nil {
		t.Fatal(err)
	}
	url := logServer(t, src, nil)
	dst := openLog(t)
	res, err := (&Fetcher{URL: url}).Fetch(ctx, dst, 0)
	if err != nil || res.To != uint64(len(half)) {
		t.Fatalf("first fetch: %+v, %v", res, err)
	}
	if _, err := src.Append(ctx, f.log[len(half):]...); err != nil {
		t.Fatal(err)
	}
	res, err = (&Fetcher{URL: url}).Fetch(ctx, dst, res.To)
	if err != nil || res.From != uint64(len(half)) || res.To != uint64(len(f.log)) {
		t.Fatalf("second fetch: %+v, %v", res, err)
	}
	want, _ := src.ChainAfter(ctx, res.To)
	if res.Chain != want {
		t.Fatalf("copy's chain %s, orchestrator's %s", res.Chain, want)
	}
	if rep, err := dst.Verify(ctx); err != nil {
		t.Fatalf("the copy does not verify: %+v %v", rep, err)
	}
	again, err := (&Fetcher{URL: url}).Fetch(ctx, dst, res.To)
	if err != nil || again.Records != 0 {
		t.Fatalf("a fetch with nothing new: %+v, %v", again, err)
	}
}

func TestFetchRefusesTamperingAndDivergence(t *testing.T) {
	ctx := context.Background()
	f := stormFarm(t)
	src := openLog(t)
	if _, err := src.Append(ctx, f.log...); err != nil {
		t.Fatal(err)
	}
	tampered := logServer(t, src, func(p *api.LogPage) {
		if len(p.Records) > 3 {
			p.Records[3].Data[len(p.Records[3].Data)-1] ^= 1
		}
	})
	dst := openLog(t)
	if _, err := (&Fetcher{URL: tampered}).Fetch(ctx, dst, 0); !errors.Is(err, ErrBadChain) {
		t.Errorf("tampered record: %v, want ErrBadChain", err)
	}
	other := openLog(t)
	if _, err := other.Append(ctx, events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: "dev-libs/other-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Fetcher{URL: logServer(t, src, nil)}).Fetch(ctx, other, 1); !errors.Is(err, ErrDiverged) {
		t.Errorf("another farm's log: %v, want ErrDiverged", err)
	}
}

func writeJSONTest(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// TestFetchSendsTheToken: a server beyond loopback answers only an
// operator's token; the fetcher sends it, and a refusal says why.
func TestFetchSendsTheToken(t *testing.T) {
	ctx := context.Background()
	src := openLog(t)
	if _, err := src.Append(ctx, events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: "dev-libs/x-1"}); err != nil {
		t.Fatal(err)
	}
	inner := logServer(t, src, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer op-token" {
			w.WriteHeader(http.StatusUnauthorized)
			writeJSONTest(w, api.Error{Code: api.CodeUnauthorized, Message: "its views need an operator token"})
			return
		}
		http.Redirect(w, r, inner+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	dst := openLog(t)
	if _, err := (&Fetcher{URL: srv.URL}).Fetch(ctx, dst, 0); err == nil || !strings.Contains(err.Error(), "operator token") {
		t.Errorf("without a token: %v; want the server's refusal", err)
	}
	if res, err := (&Fetcher{URL: srv.URL, Token: "op-token"}).Fetch(ctx, dst, 0); err != nil || res.To != 1 {
		t.Errorf("with the token: %+v, %v", res, err)
	}
}
