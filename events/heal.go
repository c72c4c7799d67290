package events

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// probeBytes is how much a heal writes (and removes) to prove the disk
// takes writes again. A disk that cannot take this much cannot take a
// heartbeat's frame either, so healing would only break the log again.
const probeBytes = 64 << 10

// Broken returns the write or sync error that broke the log, or nil while
// it appends. A broken log refuses every append (ErrBroken) until Recover
// succeeds or it is reopened.
func (l *Log) Broken() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.broken
}

func (l *Log) setBroken(err error) {
	l.mu.Lock()
	l.broken = err
	l.mu.Unlock()
}

// Recover reopens a broken log in place, as Open would: under the OS lock
// it removes leftovers of an interrupted seal, checks the sealed segments,
// rereads the tail and cuts the half-written frame the failed write left
// (saving it beside the segment). It first proves that the disk takes
// writes again. On success appends are accepted again; nothing appended
// before is lost, since a failed write was never acknowledged and the
// chain runs on from the last whole frame. On failure the log stays broken
// and the error says why; call it again later. A log that is not broken is
// left as it is.
func (l *Log) Recover(ctx context.Context) error {
	if l.opts.ReadOnly {
		return ErrReadOnly
	}
	_, err := l.submit(ctx, &request{heal: true})
	return err
}

// heal runs Recover's work as the group-commit leader.
func (l *Log) heal() error {
	err := l.withLock(func() error {
		if err := l.probeLocked(); err != nil {
			return err
		}
		return l.recoverLocked()
	})
	if err != nil {
		return err
	}
	l.log.Info("the event log is writable again; appending", "was_broken_by", l.broken)
	l.setBroken(nil)
	return nil
}

// probeLocked writes probeBytes to a temporary file in the log's folder,
// syncs and removes it. The OS lock must be held.
func (l *Log) probeLocked() error {
	path := filepath.Join(l.dir, "heal-probe.tmp")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("probe the disk: %w", err)
	}
	defer os.Remove(path)
	defer f.Close()
	if _, err := l.writeAt(f, make([]byte, probeBytes), 0); err != nil {
		return fmt.Errorf("probe the disk: %w", err)
	}
	if err := fdatasync(f); err != nil {
		return fmt.Errorf("probe the disk: %w", err)
	}
	return nil
}
