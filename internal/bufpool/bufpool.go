// Package bufpool lends byte buffers for reading a message whole before it
// is decoded: a drone's request body on the server, the server's answer on
// the drone. Both sides read one per call, and nothing keeps the bytes once
// decoded (json.Unmarshal copies what it keeps), so one pool of buffers
// serves every call instead of a new one grown per message.
package bufpool

import (
	"bytes"
	"sync"
)

// keepMax is the largest buffer given back to the pool: a rare large
// message (a failure's log excerpt) should not pin its buffer.
const keepMax = 64 << 10

var pool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Get returns an empty buffer. Give it back with Put when its bytes are no
// longer used.
func Get() *bytes.Buffer { return pool.Get().(*bytes.Buffer) }

// Put gives buf back, unless a large message grew it.
func Put(buf *bytes.Buffer) {
	if buf.Cap() > keepMax {
		return
	}
	buf.Reset()
	pool.Put(buf)
}
