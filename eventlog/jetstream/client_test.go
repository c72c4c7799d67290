package jetstream

import (
	"context"
	"errors"
	"testing"

	"github.com/swarm-build/swarm/events"
)

// A listening server takes a client that presents its token, and only
// that one: the client appends, the owner reads it. A listener without a
// token is refused before anything starts.
func TestConnectWithToken(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, dir, Options{Listen: "127.0.0.1:0"}); !errors.Is(err, ErrNoToken) {
		t.Fatalf("Open listening without a token = %v, want ErrNoToken", err)
	}
	owner, err := Open(ctx, dir, Options{Listen: "127.0.0.1:0", Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	url := owner.ClientURL()
	if url == "" {
		t.Fatal("a listening server has no client URL")
	}
	if l, err := Connect(ctx, url, Options{Token: "wrong"}); err == nil {
		l.Close()
		t.Fatal("Connect with a wrong token succeeded")
	}
	c, err := Connect(ctx, url, Options{Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Append(ctx, events.Event{Type: events.TypeEnqueued, Actor: "op", Atom: "dev-libs/a-1"}); err != nil {
		t.Fatal(err)
	}
	if last, err := owner.Last(ctx); err != nil || last != 1 {
		t.Fatalf("the owner's Last = %d, %v; want the client's event 1", last, err)
	}
}
