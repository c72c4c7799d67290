package jetstream_test

import (
	"context"
	"errors"
	"testing"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/eventlog/logtest"
)

func openJS(t testing.TB, dir string) eventlog.Log {
	l, err := jetstream.Open(context.Background(), dir, jetstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestConformance(t *testing.T) { logtest.Run(t, openJS) }

// TestStoreInUse: two embedded servers on one store folder would write the
// same files; the second Open is refused until the first closes.
func TestStoreInUse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := jetstream.Open(ctx, dir, jetstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := jetstream.Open(ctx, dir, jetstream.Options{}); !errors.Is(err, jetstream.ErrInUse) {
		if b != nil {
			b.Close()
		}
		a.Close()
		t.Fatalf("second Open on the same store = %v, want ErrInUse", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := jetstream.Open(ctx, dir, jetstream.Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	b.Close()
}
