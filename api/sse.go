package api

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxSSELine bounds one line of the event stream: an event's JSON (a
// failure's log excerpt is the largest) fits many times over.
const maxSSELine = 4 << 20

// ErrStreamLine is a line of the event stream over maxSSELine.
var ErrStreamLine = errors.New("event stream line too long")

// sseMessage is one message of a text/event-stream: the fields the
// orchestrator sends (id, data, retry); others are ignored, as the
// specification says.
type sseMessage struct {
	id      string
	hasID   bool
	data    []byte
	retryMS int64 // 0: none given
}

// sseReader reads messages from a text/event-stream body.
type sseReader struct{ sc *bufio.Scanner }

func newSSEReader(r io.Reader) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxSSELine)
	return &sseReader{sc: sc}
}

// next returns the next message with data (a "retry:" alone is returned
// too, with no data); io.EOF when the stream ends between messages. A
// message cut off by the end of the stream is dropped, as a browser drops
// it.
func (r *sseReader) next() (sseMessage, error) {
	var m sseMessage
	pending := false
	for r.sc.Scan() {
		line := r.sc.Bytes()
		if len(line) == 0 {
			if pending {
				m.data = bytes.TrimSuffix(m.data, []byte("\n"))
				return m, nil
			}
			continue
		}
		if line[0] == ':' { // a comment: the server's keep-alive
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "id":
			m.id, m.hasID, pending = string(value), true, true
		case "data":
			m.data = append(append(m.data, value...), '\n')
			pending = true
		case "retry":
			if v, err := strconv.ParseInt(string(value), 10, 64); err == nil && v >= 0 {
				m.retryMS, pending = v, true
			}
		}
	}
	if err := r.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return m, fmt.Errorf("%w (over %d bytes)", ErrStreamLine, maxSSELine)
		}
		return m, err
	}
	return m, io.EOF
}
