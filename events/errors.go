package events

import "errors"

// Errors callers test for. Everything else is wrapped with context.
var (
	// ErrConflict: an AppendIf found that the log had moved past the sequence
	// number the caller decided against. Reload the state and decide again.
	ErrConflict = errors.New("event log: log moved since the decision (conflict)")

	// ErrCorrupt: a frame or segment is damaged somewhere other than the torn
	// tail. The error names the segment and offset; the log refuses to append.
	ErrCorrupt = errors.New("event log: log is damaged")

	// ErrBroken: an earlier write or sync failed, or damage was found, so this
	// Log refuses to append until it is reopened (a write error is sticky).
	ErrBroken = errors.New("event log: log is broken by an earlier error; reopen it")

	// ErrClosed: the Log was closed.
	ErrClosed = errors.New("event log: log is closed")

	// ErrReadOnly: Append on a Log opened read-only.
	ErrReadOnly = errors.New("event log: log is open read-only")

	// ErrVersion: a segment was written by a newer, unknown format version.
	ErrVersion = errors.New("event log: unsupported format version")

	// ErrUnknownType: a type name that no event has.
	ErrUnknownType = errors.New("event log: unknown event type")

	// ErrDecode: bytes that are not a valid event record.
	ErrDecode = errors.New("event log: bad event record")
)
