package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
)

// EventsPath streams the event log as server-sent events (text/event-stream):
// one message per event, its id the event's sequence number and its data
// the event as `swarm log --json` prints it. It starts after the event named
// by the Last-Event-ID header, else by ?after=SEQ (0: from the first
// event), else at the log's end; so a client that reconnects with the last
// id it saw misses nothing and sees nothing twice. A client that falls too
// far behind is cut off and should reconnect the same way. Beyond loopback
// it needs an operator's token, as the other read views.
const EventsPath = "/" + Version + "/events"

// StreamEvent is one event of the stream: its seq and type, and its JSON.
type StreamEvent struct {
	Seq  uint64
	Type string
	Data json.RawMessage
}

// Event decodes the event. A type this release does not know (a newer
// server's) is an error: skip such events.
func (s StreamEvent) Event() (events.Event, error) {
	var e events.Event
	if err := json.Unmarshal(s.Data, &e); err != nil {
		return e, fmt.Errorf("event %d: %w", s.Seq, err)
	}
	return e, nil
}

// EventStream follows the orchestrator's event stream. Create it with
// NewEventStream; Follow delivers events until its ctx ends.
type EventStream struct {
	base  string
	token string // an operator's token; "" on loopback
	http  *http.Client
	// MaxBackoff bounds the wait between reconnections; 0: 5 seconds.
	MaxBackoff time.Duration
}

// NewEventStream returns a stream reader for the orchestrator at base with
// an operator token (may be ""). A nil hc means a client with no timeout.
func NewEventStream(base, token string, hc *http.Client) *EventStream {
	if hc == nil {
		hc = &http.Client{}
	}
	return &EventStream{base: strings.TrimRight(base, "/"), token: token, http: hc}
}

// Follow calls fn with every event after seq after, in order, each once,
// reconnecting when the connection ends (the server restarted, or cut off
// a slow reader) and resuming after the last event fn returned from. It
// returns when ctx ends (ctx's error), when fn returns an error (that
// error), or when the server refuses the token (wrapping ErrUnauthorized).
func (s *EventStream) Follow(ctx context.Context, after uint64, fn func(StreamEvent) error) error {
	backoff := 100 * time.Millisecond
	for {
		last, err := s.stream(ctx, after, fn)
		if last > after {
			after, backoff = last, 100*time.Millisecond
		}
		var ferr fnError
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.As(err, &ferr):
			return ferr.err
		case errors.Is(err, ErrUnauthorized):
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, cmpOr(s.MaxBackoff, 5*time.Second))
	}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// fnError carries the callback's error out of stream, apart from the
// connection's own.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// stream reads one connection, returning the seq of the last event fn
// took and why it ended.
func (s *EventStream) stream(ctx context.Context, after uint64, fn func(StreamEvent) error) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+EventsPath, nil)
	if err != nil {
		return after, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Last-Event-ID", strconv.FormatUint(after, 10))
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return after, fmt.Errorf("event stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return after, decode(resp, "event stream", &struct{}{})
	}
	r := newSSEReader(resp.Body)
	for {
		m, err := r.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // the server ended it: reconnect
			}
			return after, fmt.Errorf("event stream: %w", err)
		}
		if !m.hasID || len(m.data) == 0 {
			continue
		}
		seq, err := strconv.ParseUint(m.id, 10, 64)
		if err != nil {
			return after, fmt.Errorf("event stream: id %q is no sequence number", m.id)
		}
		if seq <= after {
			continue
		}
		var head struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(m.data, &head)
		if err := fn(StreamEvent{Seq: seq, Type: head.Type, Data: json.RawMessage(m.data)}); err != nil {
			return after, fnError{err}
		}
		after = seq
	}
}
