package events

import "time"

// This file is the seam other log backends (eventlog/jetstream) build on:
// they store the same canonical records and chain them the same way, so
// one verification proves a log wherever it is held.

// ChainNext returns the hash chain's value after rec, a canonical record
// (AppendRecord), given its value before.
func ChainNext(prev Hash, rec []byte) Hash { return chainNext(prev, rec) }

// Stamp gives e the sequence number seq and, when it has none, the time
// now, and truncates its times to what a record holds, as Log.Append does:
// the event is then exactly what decoding its record gives back.
func Stamp(e *Event, seq uint64, now time.Time) {
	e.Seq = seq
	if e.Time.IsZero() {
		e.Time = now
	}
	e.Time = e.Time.Truncate(time.Millisecond).UTC()
	e.Until = e.Until.Truncate(time.Millisecond)
	if !e.Until.IsZero() {
		e.Until = e.Until.UTC()
	}
}
