package orchestrator

import (
	"context"
	"testing"
	"time"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
)

// followOnly is a log without the file log's Tail, as the JetStream log is.
type followOnly struct{ eventlog.Log }

// The hub follows a log without Tail through Follow: a subscriber gets the
// events appended after it started, in order, and the hub stops with its
// context.
func TestStreamHubFollowsALogWithoutTail(t *testing.T) {
	l, err := eventlog.OpenFile(t.TempDir(), events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	h := newStreamHub()
	done := make(chan struct{})
	go func() { h.run(ctx, followOnly{l}, 1, t.Logf); close(done) }()
	<-h.ready
	sub, _, _ := h.subscribe(context.Background())
	for _, atom := range []string{"dev-libs/a-1", "dev-libs/b-1", "dev-libs/c-1"} {
		if _, err := l.Append(ctx, events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: atom}); err != nil {
			t.Fatal(err)
		}
	}
	for want := uint64(1); want <= 3; want++ {
		select {
		case f, ok := <-sub.ch:
			if !ok || f.seq != want {
				t.Fatalf("the hub sent %d (open %v), want event %d", f.seq, ok, want)
			}
		case <-time.After(time.Minute):
			t.Fatalf("the hub did not send event %d", want)
		}
	}
	cancel()
	<-done
}
