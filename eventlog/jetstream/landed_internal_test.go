package jetstream

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/swarm-build/swarm/events"
)

// TestLanded: after an append whose answer was lost, a retry that
// conflicts asks landed whose append holds the place: its own (the append
// succeeded), another's (a real conflict), or nobody's yet (an append is
// still being committed there: wait and ask again).
func TestLanded(t *testing.T) {
	ctx := context.Background()
	l, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.AppendIf(ctx, 0, events.Event{Type: events.TypeEnqueued, Actor: "mine", Atom: "a/b"}); err != nil {
		t.Fatal(err)
	}
	stored, err := l.stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	msg := func(chain string) *nats.Msg {
		m := nats.NewMsg(l.subject)
		m.Header.Set(ChainHeader, chain)
		return m
	}
	chain := stored.Header.Get(ChainHeader)
	otherChain := "00" + chain[2:]
	if chain[:2] == "00" {
		otherChain = "ff" + chain[2:]
	}
	mine, other := msg(chain), msg(otherChain)
	if err := l.landed(ctx, 0, mine); err != nil {
		t.Fatalf("landed(own append) = %v, want nil", err)
	}
	if err := l.landed(ctx, 0, other); !errors.Is(err, events.ErrConflict) {
		t.Fatalf("landed(another's place) = %v, want ErrConflict", err)
	}
	if err := l.landed(ctx, 1, mine); !errors.Is(err, errUnavailable) || !unavailable(err) {
		t.Fatalf("landed(an empty place) = %v, want errUnavailable", err)
	}
}
