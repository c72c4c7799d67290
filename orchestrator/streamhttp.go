package orchestrator

import (
	"context"
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
	if fromEnd {
		after = next - 1
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
	last, err := s.streamBacklog(w, r, after, next)
	if err != nil {
		return
	}
	s.streamLive(w, rc, r, sub, last)
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
func (s *Server) streamBacklog(w http.ResponseWriter, r *http.Request, after, next uint64) (uint64, error) {
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
	return last, http.NewResponseController(w).Flush()
}

// streamLive writes the hub's events after last as they come.
func (s *Server) streamLive(w http.ResponseWriter, rc *http.ResponseController, r *http.Request, sub *subscriber, last uint64) {
	keep := time.NewTicker(streamKeepAlive)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case f, ok := <-sub.ch:
			if !ok {
				return // cut off, or the server stops: the client resumes
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
				if !ok {
					break
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

// streamLoop runs the event stream's hub from the log's end as the store
// knows it, until ctx ends.
func (s *Server) streamLoop(ctx context.Context) {
	var from uint64
	if err := s.store.Read(ctx, func(st *projections.State) { from = st.Seq + 1 }); err != nil {
		s.log.Error("event stream: read the state; streaming from the log's start", "err", err)
	}
	s.hub.run(ctx, s.store.Log(), from, s.log.Error)
}
