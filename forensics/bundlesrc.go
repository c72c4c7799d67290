package forensics

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// logTail is how much of a failed build's log a bundle keeps: the end,
// where the error is.
const logTail = 64 << 10

// maxBundleLogs bounds the build logs one bundle carries.
const maxBundleLogs = 200

// OpenLog opens a kept build log (buildlog.Store.Open).
type OpenLog func(atom string, fence uint64) (io.ReadCloser, error)

// FailedLogs collects the tails of the logs of the builds that failed in
// src at or after since (up to maxBundleLogs, the latest), as far as they
// were kept.
func FailedLogs(ctx context.Context, src projections.Source, since time.Time, open OpenLog) ([]BundleLog, error) {
	var failed []events.Event
	for e, err := range src.Events(ctx, 1) {
		if err != nil {
			return nil, err
		}
		if (e.Type == events.TypeFailed || e.Type == events.TypeStartFailed) && !e.Time.Before(since) && e.Fence != 0 {
			failed = append(failed, events.Event{Atom: e.Atom, Fence: e.Fence})
		}
	}
	failed = failed[max(0, len(failed)-maxBundleLogs):]
	var out []BundleLog
	for _, e := range failed {
		rc, err := open(e.Atom, e.Fence)
		if err != nil {
			continue // not kept (pruned, or never sent): the event's excerpt remains
		}
		text, err := tail(rc, logTail)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("the build log of %s (fence %d): %w", e.Atom, e.Fence, err)
		}
		out = append(out, BundleLog{Atom: e.Atom, Fence: e.Fence, Text: text})
	}
	return out, nil
}

// tail reads r and keeps its last n bytes, from a line's start.
func tail(r io.Reader, n int) ([]byte, error) {
	var buf bytes.Buffer
	chunk := make([]byte, 32<<10)
	for {
		k, err := r.Read(chunk)
		buf.Write(chunk[:k])
		if buf.Len() > 2*n {
			buf.Next(buf.Len() - n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	b := buf.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return bytes.Clone(b), nil
}

// Redact returns config.toml's text without the hashes of drones' and
// operators' tokens: a bundle travels, and nothing in a replay needs them.
func Redact(data []byte) ([]byte, error) {
	cfg, err := config.Parse(data)
	if err != nil {
		return nil, err
	}
	var keys []string
	for id := range cfg.Drones {
		keys = append(keys, "drones."+quoteKey(id)+".token_sha256")
	}
	for name := range cfg.Operators {
		keys = append(keys, "operators."+quoteKey(name)+".token_sha256")
	}
	for _, k := range keys {
		out, err := config.Delete(data, k)
		if err != nil {
			out, err = config.Set(data, k, strings.Repeat("0", 64))
		}
		if err != nil {
			return nil, fmt.Errorf("leave out %s: %w", k, err)
		}
		data = out
	}
	return data, nil
}

// quoteKey quotes a table name that is not a bare TOML key.
func quoteKey(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
