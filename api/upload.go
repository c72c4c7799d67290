package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// Errors of the upload verbs (binpkg, buildlog), beside the sentinels of
// api.go, which they keep where their code has one.
var (
	// ErrRejected: the orchestrator verified an uploaded package and
	// refused it (422); it took the package back, so the build's reporting
	// ends here.
	ErrRejected = errors.New("package rejected by the orchestrator's verification")
	// ErrRefused: any other 4xx answer to an upload (bad query, too large,
	// a route an older server lacks): sending the same bytes again cannot
	// help, so it is not retried.
	ErrRefused = errors.New("upload refused")
)

// Upload is one file to send: its bytes come from Open (called once per
// attempt, so a retry starts from the beginning), and are never all in
// memory at once.
type Upload struct {
	Atom   string
	Fence  uint64
	Name   string // the file's path relative to the build's PKGDIR (binpkg only)
	SHA256 string // 64 lowercase hex digits (binpkg only)
	Size   int64  // bytes Open gives; -1 when unknown (streamed compression)
	Open   func() (io.ReadCloser, error)
}

// Binpkg uploads one binary package file of a build (VerbBinpkg).
func (c *Client) Binpkg(ctx context.Context, u Upload) (BinpkgAnswer, error) {
	q := url.Values{"atom": {u.Atom}, "fence": {strconv.FormatUint(u.Fence, 10)},
		"name": {u.Name}, "sha256": {u.SHA256}, "size": {strconv.FormatInt(u.Size, 10)}}
	var out BinpkgAnswer
	return out, c.upload(ctx, VerbBinpkg, q, "application/octet-stream", u, &out)
}

// BuildLog uploads a build's whole log, zstd-compressed (VerbBuildLog).
func (c *Client) BuildLog(ctx context.Context, u Upload) error {
	q := url.Values{"atom": {u.Atom}, "fence": {strconv.FormatUint(u.Fence, 10)}}
	var out struct{}
	return c.upload(ctx, VerbBuildLog, q, "application/zstd", u, &out)
}

// upload POSTs u's bytes, streamed, to the drone's verb with query q. A 4xx
// answer wraps ErrRejected (422) or ErrRefused (any other, besides its
// code's own sentinel), so that callers retry only what may succeed later.
func (c *Client) upload(ctx context.Context, verb string, q url.Values, ctype string, u Upload, out any) error {
	body, err := u.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	if u.Size == 0 { // else net/http reads a zero length with a body as unknown
		body.Close()
		body = http.NoBody
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+DronePath(c.id, verb)+"?"+q.Encode(), body)
	if err != nil {
		body.Close()
		return fmt.Errorf("%s: %w", verb, err)
	}
	req.ContentLength = u.Size // -1: chunked
	if body != http.NoBody {
		// The bytes can be sent again from the start: a transport that is
		// redirected (the drone following a new leader) resends them.
		req.GetBody = u.Open
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req) // closes body
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	defer resp.Body.Close()
	err = decode(resp, verb, out)
	switch {
	case err == nil:
		return nil
	case resp.StatusCode == http.StatusUnprocessableEntity:
		return fmt.Errorf("%w: %w", ErrRejected, err)
	case resp.StatusCode/100 == 4:
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return err
}
