package orchestrator

import (
	"bufio"
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
