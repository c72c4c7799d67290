package buildlog

import (
	"bytes"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/swarm-build/swarm/events"
)

func seqOf(evs []events.Event) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		for i := range evs {
			if !yield(&evs[i], nil) {
				return
			}
		}
	}
}

func zst(t *testing.T, s string) *bytes.Reader {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	w.Close()
	return bytes.NewReader(b.Bytes())
}

// TestReadAttempt maps attempts to claims in the event log and picks the
// log to show: the asked attempt, else the latest with a kept log.
func TestReadAttempt(t *testing.T) {
	const atom = "app-misc/broken-0.1"
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	evs := []events.Event{
		{Type: events.TypeEnqueued, Atom: atom},
		{Type: events.TypeClaimed, Atom: atom, Drone: "d1", Fence: 3, Time: t0},
		{Type: events.TypeClaimed, Atom: "app-misc/other-1", Drone: "d1", Fence: 4},
		{Type: events.TypeClaimed, Atom: atom, Actor: "d2", Fence: 7, Time: t0.Add(time.Minute)},
		{Type: events.TypeClaimed, Atom: atom, Drone: "d1", Fence: 9, Time: t0.Add(2 * time.Minute)},
	}
	s := New(t.TempDir(), Limits{})
	for fence, text := range map[uint64]string{3: "first\n", 7: "second\n"} {
		if _, err := s.Put(atom, fence, zst(t, text)); err != nil {
			t.Fatal(err)
		}
	}
	attempts, err := Attempts(seqOf(evs), atom)
	if err != nil || len(attempts) != 3 || attempts[1].Drone != "d2" || attempts[1].N != 2 || attempts[2].Fence != 9 {
		t.Fatalf("Attempts = %+v, %v", attempts, err)
	}
	tests := []struct {
		name      string
		atom      string
		attempts  []Attempt
		n         int
		wantFence uint64
		wantLog   string
		wantErr   error
	}{
		{name: "latest with a log", atom: atom, attempts: attempts, wantFence: 7, wantLog: "second\n"},
		{name: "attempt 1", atom: atom, attempts: attempts, n: 1, wantFence: 3, wantLog: "first\n"},
		{name: "attempt without a log", atom: atom, attempts: attempts, n: 3, wantErr: ErrNoLog},
		{name: "attempt past the last", atom: atom, attempts: attempts, n: 4, wantErr: ErrNoAttempt},
		{name: "never claimed", atom: "app-misc/never-1", wantErr: ErrNoPackage},
		{name: "no log at all", atom: atom, attempts: attempts[2:], wantErr: ErrNoLog},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, log, err := s.ReadAttempt(tt.atom, tt.attempts, tt.n)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || a.Fence != tt.wantFence || string(log) != tt.wantLog {
				t.Errorf("got fence %d log %q err %v, want fence %d log %q", a.Fence, log, err, tt.wantFence, tt.wantLog)
			}
		})
	}
}
