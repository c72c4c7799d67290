package buildlog

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/swarm-build/swarm/events"
)

// Errors `swarm logs` tells apart.
var (
	// ErrNoPackage: the event log has no claim of the package.
	ErrNoPackage = errors.New("never claimed")
	// ErrNoAttempt: the package was claimed fewer times than asked.
	ErrNoAttempt = errors.New("no such attempt")
)

// Attempt is one claim of a package, as the event log records it: the
// n-th claim is attempt n, and its fence names the log a drone sent.
type Attempt struct {
	N     int
	Fence uint64
	Drone string
	Time  time.Time
}

// Attempts returns the claims of the queue's package key (as
// portage.Package.Key spells it), oldest first, from evs.
func Attempts(evs iter.Seq2[*events.Event, error], key string) ([]Attempt, error) {
	var out []Attempt
	for e, err := range evs {
		if err != nil {
			return nil, fmt.Errorf("read the event log: %w", err)
		}
		if e.Type != events.TypeClaimed || e.Atom != key {
			continue
		}
		drone := e.Drone
		if drone == "" {
			drone = e.Actor
		}
		out = append(out, Attempt{N: len(out) + 1, Fence: e.Fence, Drone: drone, Time: e.Time})
	}
	return out, nil
}

// maxRead bounds how much of one log ReadAttempt returns: an operator
// reads the end of a huge log, and the error block is there.
const maxRead = 64 << 20

// ReadAttempt returns attempt n of key (1-based) and its log; n == 0 is
// the latest attempt whose log is kept. A log longer than 64 MiB is cut to
// its last 64 MiB, marked at its start.
func (s *Store) ReadAttempt(key string, attempts []Attempt, n int) (Attempt, []byte, error) {
	switch {
	case len(attempts) == 0:
		return Attempt{}, nil, fmt.Errorf("%s: %w", key, ErrNoPackage)
	case n < 0 || n > len(attempts):
		return Attempt{}, nil, fmt.Errorf("%s: attempt %d: %w (it has %d)", key, n, ErrNoAttempt, len(attempts))
	case n > 0:
		a := attempts[n-1]
		log, err := s.readLog(key, a.Fence)
		if err != nil {
			return a, nil, fmt.Errorf("%s attempt %d (drone %s): %w", key, n, a.Drone, err)
		}
		return a, log, nil
	}
	for i := len(attempts) - 1; i >= 0; i-- {
		log, err := s.readLog(key, attempts[i].Fence)
		if errors.Is(err, ErrNoLog) {
			continue
		}
		return attempts[i], log, err
	}
	return Attempt{}, nil, fmt.Errorf("%s: %w of its %d attempts", key, ErrNoLog, len(attempts))
}

// readLog reads one kept log, keeping its last maxRead bytes.
func (s *Store) readLog(key string, fence uint64) ([]byte, error) {
	r, err := s.Open(key, fence)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ring := make([]byte, 0, 64<<10)
	cut := false
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		ring = append(ring, buf[:n]...)
		if len(ring) > 2*maxRead { // trimmed in halves: linear in the log's size
			ring = append(ring[:0], ring[len(ring)-maxRead:]...)
			cut = true
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("build log: read %s (fence %d): %w", key, fence, err)
		}
	}
	if len(ring) > maxRead {
		ring, cut = ring[len(ring)-maxRead:], true
	}
	if cut {
		ring = append([]byte("[… the log's start is cut …]\n"), ring...)
	}
	return ring, nil
}
