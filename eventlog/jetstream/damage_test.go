package jetstream

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/swarm-build/swarm/events"
)

func openT(t *testing.T) *Log {
	t.Helper()
	l, err := Open(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestSyncAlways pins sync_interval always: a process crash (the crash test)
// cannot tell it from JetStream's two-minute default, a power cut can.
func TestSyncAlways(t *testing.T) {
	l := openT(t)
	if c := l.srv.JetStreamConfig(); c == nil || !c.SyncAlways {
		t.Fatalf("the embedded server's JetStream config %+v: want SyncAlways", c)
	}
}

// TestVerifyFindsDamage publishes messages the Log would never write,
// straight to the stream, and expects Verify (and reading) to name them.
func TestVerifyFindsDamage(t *testing.T) {
	good := events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: "a/b-1"}
	cases := []struct {
		name    string
		msg     func(l *Log) *nats.Msg
		readErr bool // reading fails too (not only the chain)
	}{
		{"wrong chain", func(l *Log) *nats.Msg {
			e := good
			events.Stamp(&e, 2, l.now())
			m := nats.NewMsg(l.subject)
			m.Data = events.AppendRecord(nil, &e)
			m.Header.Set(ChainHeader, strings.Repeat("ab", 32))
			return m
		}, false},
		{"no chain", func(l *Log) *nats.Msg {
			e := good
			events.Stamp(&e, 2, l.now())
			m := nats.NewMsg(l.subject)
			m.Data = events.AppendRecord(nil, &e)
			return m
		}, false},
		{"wrong seq", func(l *Log) *nats.Msg {
			e := good
			events.Stamp(&e, 7, l.now())
			m := nats.NewMsg(l.subject)
			m.Data = events.AppendRecord(nil, &e)
			return m
		}, true},
		{"not a record", func(l *Log) *nats.Msg {
			m := nats.NewMsg(l.subject)
			m.Data = []byte{0xff, 0xff, 0xff}
			return m
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			l := openT(t)
			if _, err := l.Append(ctx, good); err != nil {
				t.Fatal(err)
			}
			if _, err := l.js.PublishMsg(ctx, c.msg(l)); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Verify(ctx); !errors.Is(err, events.ErrCorrupt) || !strings.Contains(err.Error(), "message 2") {
				t.Fatalf("Verify = %v, want ErrCorrupt naming message 2", err)
			}
			var readErr error
			for _, err := range l.Events(ctx, 1) {
				readErr = err
			}
			if c.readErr != errors.Is(readErr, events.ErrCorrupt) {
				t.Fatalf("reading: %v (want ErrCorrupt: %v)", readErr, c.readErr)
			}
		})
	}
}

// TestWitnessMovesOn: between Open and Close the witness follows the
// appends, at most WitnessEvery behind, so a crash leaves it close.
func TestWitnessMovesOn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	evs := make([]events.Event, WitnessEvery)
	for round := range 2 {
		for i := range evs {
			evs[i] = events.Event{Type: events.TypeEnqueued, Actor: "operator", Atom: "a/b-1"}
		}
		if _, err := l.AppendIf(ctx, uint64(round*WitnessEvery), evs...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Append(ctx, evs[0]); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(witnessPath(dir, DefaultFarm))
	if err != nil {
		t.Fatal(err)
	}
	seq, head, err := parseWitness(string(b))
	if err != nil || seq != 2*WitnessEvery {
		t.Fatalf("the witness holds %d (%v) before Close, want %d", seq, err, 2*WitnessEvery)
	}
	if h, _ := l.ChainAfter(ctx, seq); h != head {
		t.Fatalf("the witness's chain %s, the stream's %s", head, h)
	}
}
