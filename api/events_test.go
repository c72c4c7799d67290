package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// A stream that the server ends every two events (a restart, a cut-off)
// is resumed from the last event taken, with Last-Event-ID, and the
// caller sees every event once, in order.
func TestEventStreamFollowResumes(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != EventsPath || r.Header.Get("Authorization") != "Bearer op" {
			http.Error(w, `{"code":"unauthorized","message":"no"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		asked = append(asked, r.Header.Get("Last-Event-ID"))
		mu.Unlock()
		after, _ := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "retry: 10\n\n: keep-alive\n\n")
		fmt.Fprintf(w, "id: %d\ndata: {\"seq\":%d,\"type\":\"enqueued\"}\n\n", after, after) // seen already: skipped
		for seq := after + 1; seq <= after+2; seq++ {
			fmt.Fprintf(w, "id: %d\ndata: {\"seq\":%d,\"type\":\"enqueued\",\"atom\":\"dev-libs/a-%d\"}\n\n", seq, seq, seq)
		}
	}))
	defer srv.Close()
	var got []uint64
	done := errors.New("done")
	err := NewEventStream(srv.URL, "op", nil).Follow(context.Background(), 3, func(e StreamEvent) error {
		ev, err := e.Event()
		if err != nil || ev.Seq != e.Seq || e.Type != "enqueued" || ev.Atom != fmt.Sprintf("dev-libs/a-%d", e.Seq) {
			return fmt.Errorf("event %d: %+v %v", e.Seq, ev, err)
		}
		got = append(got, e.Seq)
		if len(got) == 6 {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) {
		t.Fatalf("Follow: %v (got %v)", err, got)
	}
	if fmt.Sprint(got) != "[4 5 6 7 8 9]" || fmt.Sprint(asked) != "[3 5 7]" {
		t.Fatalf("events %v, resumed after %v", got, asked)
	}
	// A refused token ends Follow at once instead of retrying forever.
	err = NewEventStream(srv.URL, "wrong", nil).Follow(context.Background(), 0, func(StreamEvent) error { return nil })
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
}
