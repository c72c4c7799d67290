package logtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
)

// Damager damages the log kept in dir, closed, the way its disk could.
type Damager func(t testing.TB, dir string)

// FlipMiddle flips one byte in the middle of the file at path.
func FlipMiddle(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// RunDamage appends ten events one by one, closes the log, damages it, and
// expects the damage to be reported as events.ErrCorrupt by Open, a read or
// Verify: never a log that silently lost acknowledged events and verifies.
// It returns which of them did: "open", "read" or "verify".
func RunDamage(t *testing.T, open Opener, damage Damager) string {
	ctx := context.Background()
	dir := t.TempDir()
	l := open(t, dir)
	for i := range 10 {
		if _, err := l.Append(ctx, Ev("a", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	damage(t, dir)
	l, err := tryOpen(open, dir)
	if err != nil {
		if !errors.Is(err, events.ErrCorrupt) {
			t.Fatalf("Open of a damaged log: %v, want ErrCorrupt", err)
		}
		return "open"
	}
	defer l.Close()
	n := 0
	for _, err := range l.Events(ctx, 1) {
		if err != nil {
			if !errors.Is(err, events.ErrCorrupt) {
				t.Fatalf("reading a damaged log: %v, want ErrCorrupt", err)
			}
			return "read"
		}
		n++
	}
	if _, err := l.Verify(ctx); !errors.Is(err, events.ErrCorrupt) {
		t.Fatalf("a damaged log opened, read %d of 10 events, and Verify said %v: want ErrCorrupt", n, err)
	}
	return "verify"
}

// tryOpen turns an Opener's Fatal into an error.
func tryOpen(open Opener, dir string) (l eventlog.Log, err error) {
	rec := &errTB{}
	done := make(chan struct{})
	go func() { // Fatal ends only this goroutine (runtime.Goexit)
		defer close(done)
		l = open(rec, dir)
	}()
	<-done
	if rec.err != nil {
		return nil, rec.err
	}
	return l, nil
}

// errTB keeps what an Opener failed with.
type errTB struct {
	testing.TB
	err error
}

func (*errTB) Helper()        {}
func (*errTB) Cleanup(func()) {}

func (e *errTB) Fatal(a ...any) {
	e.err = fmt.Errorf("%s", fmt.Sprint(a...))
	if len(a) == 1 {
		if err, ok := a[0].(error); ok {
			e.err = err
		}
	}
	runtime.Goexit()
}

func (e *errTB) Fatalf(f string, a ...any) {
	e.err = fmt.Errorf(f, a...)
	runtime.Goexit()
}
