package events

import "time"

// This file is the seam other log backends (eventlog/jetstream) build on:
// they store the same canonical records and chain them the same way, so
// one verification proves a log wherever it is held.

// ChainNext (records.go) gives the chain's value after a record.

// Stamp gives e the sequence number seq and, when it has none, the time
// now, and truncates its times to what a record holds, as Log.Append does
// (it is the same function): the event is then exactly what decoding its
// record gives back.
func Stamp(e *Event, seq uint64, now time.Time) { stamp(e, seq, now) }
