package orchestrator

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
)

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

// cookieJar keeps every cookie set, for any URL (the test's one server).
type cookieJar struct {
	mu      sync.Mutex
	cookies []*http.Cookie
}

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cookies = append(j.cookies, cs...)
}

func (j *cookieJar) Cookies(*url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cookies
}

// waitPast waits until the hub has handed out event seq (or ctx ends),
// waking it first: it subscribes, so an idle hub starts reading.
func (h *streamHub) waitPast(ctx context.Context, seq uint64) {
	s, next, ok := h.subscribe(ctx)
	if !ok {
		return
	}
	defer h.unsubscribe(s)
	if next > seq {
		return
	}
	h.poke()
	for {
		select {
		case <-ctx.Done():
			return
		case f, ok := <-s.ch:
			if !ok || f.seq >= seq {
				return
			}
		}
	}
}
