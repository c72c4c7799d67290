//go:build unix

// Package flock holds advisory OS locks (flock(2)) on lock files, the way
// swarm serialises processes that share a .swarm folder: the event log's
// writers (LOCK), edits of config.toml (config.lock) and the one server of
// a folder (serve.lock). It is a leaf: the standard library only, so even
// the events package may use it.
//
// flock locks belong to the open file description, so two Files in one
// process exclude each other just as two processes do, and the kernel
// drops a lock when its process dies: a crashed writer never leaves a
// stale lock behind. Lock files are created 0600, like everything under
// .swarm.
package flock

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked: TryLock found the lock held by someone else.
var ErrLocked = errors.New("held by another process")

// File is an open lock file. Its lock may be taken and released many times
// (Lock, RLock, TryLock, Unlock) until Close, which releases it for good.
type File struct{ f *os.File }

// Open opens the lock file at path, creating it 0600 if it is missing. It
// takes no lock.
func Open(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	return &File{f: f}, nil
}

// Exclusive opens the lock file at path and waits until this process holds
// it exclusively. Unlock releases the lock and closes the file.
func Exclusive(path string) (*File, error) {
	l, err := Open(path)
	if err != nil {
		return nil, err
	}
	if err := l.Lock(); err != nil {
		l.f.Close()
		return nil, err
	}
	return l, nil
}

// Lock waits for the lock, exclusively.
func (l *File) Lock() error { return l.flock(syscall.LOCK_EX) }

// RLock waits for the lock, shared: readers exclude writers, not readers.
func (l *File) RLock() error { return l.flock(syscall.LOCK_SH) }

// TryLock takes the lock exclusively without waiting; it returns an error
// wrapping ErrLocked if another holder has it.
func (l *File) TryLock() error {
	err := l.flock(syscall.LOCK_EX | syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return fmt.Errorf("lock %s: %w", l.f.Name(), ErrLocked)
	}
	return err
}

// Release gives the lock up and keeps the file open for the next Lock.
func (l *File) Release() error { return l.flock(syscall.LOCK_UN) }

// Unlock releases the lock and closes its file.
func (l *File) Unlock() error {
	err := l.Release()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close closes the file, which releases any lock it held.
func (l *File) Close() error { return l.f.Close() }

// OS returns the lock's open file, for a holder that keeps data in it
// (serve.lock holds the server's pid).
func (l *File) OS() *os.File { return l.f }

func (l *File) flock(how int) error {
	for {
		err := syscall.Flock(int(l.f.Fd()), how)
		if err == syscall.EINTR {
			continue
		}
		if err != nil && !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("lock %s: %w", l.f.Name(), err)
		}
		return err
	}
}
