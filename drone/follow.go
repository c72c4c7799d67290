package drone

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/swarm-build/swarm/api"
)

// follower sends the drone's calls to the orchestrator that leads, when the
// drone knows several (a cluster on one replicated log, where only the
// leader takes drone calls). It is the HTTP client's transport, so every
// call (register, heartbeat, claim, reports, uploads) follows it alike:
//
//   - calls go to the current URL, the one that last answered;
//   - a follower's refusal (503, api.CodeNotLeader) names the leader in
//     api.LeaderHeader: the drone switches to it and sends the call again
//     at once when its body can be sent again (every JSON call); an upload
//     streamed from disk returns the refusal, and its caller's retry (a 5xx
//     is retried) goes to the leader;
//   - a call that cannot connect, or a follower that knows no leader,
//     moves on to the next URL of the list; the caller's backoff spaces
//     the attempts, so a farm whose members are all down is not hammered.
//
// Each switch is logged once, on one line. A build in flight is not
// touched by a switch: its reports carry its fence, the seq of its claim
// in the one log every member shares, so the new leader accepts them.
//
// Only URLs of the drone's own list are followed: the drone's token goes
// wherever it follows, and a header is not a reason to send it elsewhere.
type follower struct {
	base string   // the URL requests are built on (the first)
	urls []string // every orchestrator, in the configured order
	next http.RoundTripper
	log  *slog.Logger

	mu  sync.Mutex
	cur int // index in urls of where calls go
}

func newFollower(urls []string, next http.RoundTripper, log *slog.Logger) *follower {
	if next == nil {
		next = http.DefaultTransport
	}
	return &follower{base: urls[0], urls: urls, next: next, log: log}
}

// current is the URL calls go to now.
func (f *follower) current() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.urls[f.cur]
}

// RoundTrip sends req to the current orchestrator, following a leader it
// names (see follower).
func (f *follower) RoundTrip(req *http.Request) (*http.Response, error) {
	body := req.Body
	for hop := 0; ; hop++ {
		target := f.current()
		out, err := retarget(req, f.base, target, body)
		if err != nil {
			if body != nil {
				body.Close()
			}
			return nil, err
		}
		resp, err := f.next.RoundTrip(out)
		if err != nil {
			if req.Context().Err() == nil {
				f.moveOn(target, "cannot reach it: "+err.Error())
			}
			return nil, err
		}
		if resp.StatusCode != http.StatusServiceUnavailable || !hasHeader(resp, api.LeaderHeader) {
			return resp, nil
		}
		leader := strings.TrimRight(resp.Header.Get(api.LeaderHeader), "/")
		if !f.follow(target, leader) {
			return resp, nil
		}
		if req.GetBody == nil && req.Body != nil && req.Body != http.NoBody || hop >= len(f.urls) {
			return resp, nil // the caller's retry goes to the leader
		}
		if req.GetBody != nil {
			if body, err = req.GetBody(); err != nil {
				return resp, nil
			}
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
}

// follow switches from target to the leader a follower named, and reports
// whether calls now go somewhere else. A leader it does not know, or none,
// moves on to the next URL of the list.
func (f *follower) follow(target, leader string) bool {
	i := slices.Index(f.urls, leader)
	if i < 0 {
		why := "it does not lead and knows no leader"
		if leader != "" {
			why = "it names a leader this drone does not know: " + leader
		}
		f.moveOn(target, why)
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.urls[f.cur] != target { // another call switched meanwhile
		return true
	}
	if f.cur == i {
		return false
	}
	f.cur = i
	f.log.Info("following the orchestrators' leader", "from", target, "to", leader)
	return true
}

// moveOn switches from target to the next URL of the list, unless another
// call already switched away from it.
func (f *follower) moveOn(target, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.urls[f.cur] != target || len(f.urls) == 1 {
		return
	}
	f.cur = (f.cur + 1) % len(f.urls)
	f.log.Warn("trying the next orchestrator", "from", target, "to", f.urls[f.cur], "why", why)
}

// retarget is req sent to target instead of base, with body.
func retarget(req *http.Request, base, target string, body io.ReadCloser) (*http.Request, error) {
	rest, ok := strings.CutPrefix(req.URL.String(), base)
	if !ok {
		return nil, errors.New("drone: a call to " + req.URL.Redacted() + " is not to " + base)
	}
	u, err := url.Parse(target + rest)
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL, out.Host, out.Body = u, "", body
	return out, nil
}

func hasHeader(resp *http.Response, name string) bool {
	_, ok := resp.Header[http.CanonicalHeaderKey(name)]
	return ok
}
