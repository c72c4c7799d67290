//go:build unix

// Package flock holds advisory OS locks (flock(2)) on lock files, the way
// swarm serialises processes that share a .swarm folder.
//
// flock locks belong to the open file description, so two Locks in one
// process exclude each other just as two processes do, and the kernel
// drops a lock when its process dies: a crashed editor never leaves a
// stale lock behind. Lock files are created 0600, like everything under
// .swarm.
package flock

import (
	"fmt"
	"os"
	"syscall"
)

// Lock is one held lock; Unlock releases it.
type Lock struct{ f *os.File }

// Exclusive opens (creating it 0600 if missing) the lock file at path and
// waits until this process holds it exclusively.
func Exclusive(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock and closes its file.
func (l *Lock) Unlock() error {
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
