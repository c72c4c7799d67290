package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/projections"
)

// handleEvents serves api.EventsPath: the events after the resume point
// from the log, then live ones from the hub, until the client hangs up, is
// cut off for falling behind, or the server stops.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if !s.viewAllowed(w, r) {
		return
	}
	after, fromEnd, err := resumePoint(r)
	limit, lerr := streamLimit(r)
	if err == nil {
		err = lerr
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, err.Error())
		return
	}
	sub, next, ok := s.hub.subscribe(r.Context())
	if !ok {
		writeError(w, http.StatusServiceUnavailable, api.CodeInternal, "the server is stopping")
		return
	}
	defer s.hub.unsubscribe(sub)
	if fromEnd { // the log's end now, which the hub may not have read yet
		after = next - 1
		if err := s.store.Read(r.Context(), func(st *projections.State) { after = max(after, st.Seq) }); err != nil {
			writeError(w, http.StatusInternalServerError, api.CodeInternal, err.Error())
			return
		}
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives any write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// retry: how soon a browser reconnects after the server went away.
	if _, err := fmt.Fprint(w, "retry: 1000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	lw := &limitedStream{w: w, rc: rc, timeout: sub.writeTimeout, left: limit, on: limit > 0}
	last, err := s.streamBacklog(lw, r, after, next)
	if err != nil {
		return
	}
	s.streamLive(lw, rc, r, sub, last)
}

// streamLimit reads ?limit=N: end the stream after N events (a page that
// wants one event's details, say a failure's log excerpt, by its seq).
// 0 or absent: no limit.
func streamLimit(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("limit must be a count of events, not %q", v)
	}
	return n, nil
}

// errLimitReached ends a stream that sent the events it was asked for.
var errLimitReached = errors.New("stream limit reached")

// limitedStream counts the events written through it (one Write each)
// and refuses writes past the limit (0: none). Each write must be done
// within timeout, so a client that stopped reading is hung up on.
type limitedStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	left    int64
	on      bool // a limit was given
}

// comment writes an SSE comment (a keep-alive), not counted as an event.
func (l *limitedStream) comment(text string) error {
	_ = l.rc.SetWriteDeadline(time.Now().Add(l.timeout))
	if _, err := fmt.Fprintf(l.w, ": %s\n\n", text); err != nil {
		return err
	}
	return l.rc.Flush()
}

func (l *limitedStream) Header() http.Header { return l.w.Header() }
func (l *limitedStream) WriteHeader(c int)   { l.w.WriteHeader(c) }

func (l *limitedStream) Write(b []byte) (int, error) {
	if l.left <= 0 && l.on {
		return 0, errLimitReached
	}
	_ = l.rc.SetWriteDeadline(time.Now().Add(l.timeout))
	n, err := l.w.Write(b)
	if l.on {
		l.left--
	}
	if err == nil && l.on && l.left == 0 {
		http.NewResponseController(l.w).Flush()
		return n, errLimitReached
	}
	return n, err
}

// resumePoint reads where a client wants the stream to start: after the
// seq in Last-Event-ID, else in ?after=; fromEnd when neither is given.
func resumePoint(r *http.Request) (after uint64, fromEnd bool, err error) {
	v, what := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if v == "" {
		v, what = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return 0, true, nil
	}
	after, err = strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s must be an event sequence number, not %q", what, v)
	}
	return after, false, nil
}

// streamBacklog writes the events after after and before next (those the
// hub handed out before the client subscribed) from the log, and returns
// the last seq written.
func (s *Server) streamBacklog(w *limitedStream, r *http.Request, after, next uint64) (uint64, error) {
	last := after
	if after+1 >= next {
		return last, nil
	}
	for e, err := range s.store.Log().Events(r.Context(), after+1) {
		if err != nil {
			return last, err
		}
		if e.Seq >= next {
			break
		}
		if _, err := w.Write(encodeFrame(e)); err != nil {
			return last, err
		}
		last = e.Seq
	}
	return last, flush(w)
}

// streamLive writes the hub's events after last as they come.
func (s *Server) streamLive(w *limitedStream, rc *http.ResponseController, r *http.Request, sub *subscriber, last uint64) {
	keep := time.NewTicker(streamKeepAlive)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			if w.comment("keep-alive") != nil {
				return
			}
		case <-sub.gone:
			return // cut off, or the server stops: the client resumes
		case f, ok := <-sub.ch:
			if !ok || isClosed(sub.gone) {
				return
			}
			if f.seq <= last {
				continue
			}
			if _, err := w.Write(f.msg); err != nil {
				return
			}
			// Write what else is waiting before one flush.
			for n := len(sub.ch); n > 0; n-- {
				f, ok = <-sub.ch
				if !ok || isClosed(sub.gone) {
					return
				}
				if f.seq > last {
					if _, err := w.Write(f.msg); err != nil {
						return
					}
				}
				last = max(last, f.seq)
			}
			last = max(last, f.seq)
			if rc.Flush() != nil {
				return
			}
		}
	}
}

// streamStart has the store count, for /metrics, the events its State
// takes in after the log's last event as it knows it now, and returns
// where the event stream's hub starts: after that event too.
func (s *Server) streamStart(ctx context.Context) uint64 {
	if err := s.store.Observe(ctx, s.metrics.observe); err != nil {
		s.log.Error("event stream: read the state; streaming from the log's start", "err", err)
		return 1
	}
	return s.store.Known() + 1
}

// streamLoop runs the event stream's hub from event from until ctx ends.
func (s *Server) streamLoop(ctx context.Context, from uint64) {
	s.hub.run(ctx, s.store.Log(), from, s.log.Error)
}

// flush sends what the stream holds to the client.
func flush(w *limitedStream) error { return w.rc.Flush() }

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
