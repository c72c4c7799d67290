package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/swarm-build/swarm/internal/bufpool"
)

// Client calls the orchestrator as one drone. It is safe for concurrent use.
type Client struct {
	base  string // http://host:port, no trailing slash
	id    string
	token string
	http  *http.Client
}

// NewClient returns a client for the orchestrator at base (a URL such as
// http://127.0.0.1:8093) acting as drone id with its bearer token. A nil hc
// means a client with no overall timeout: calls are bounded by their ctx.
func NewClient(base, id, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{base: strings.TrimRight(base, "/"), id: id, token: token, http: hc}
}

// ID is the drone the client acts as.
func (c *Client) ID() string { return c.id }

// Register introduces the drone.
func (c *Client) Register(ctx context.Context, req RegisterRequest) (RegisterResponse, error) {
	var resp RegisterResponse
	return resp, c.call(ctx, VerbRegister, req, &resp)
}

// Heartbeat reports the drone's health and renews its leases.
func (c *Client) Heartbeat(ctx context.Context, req HeartbeatRequest) (HeartbeatResponse, error) {
	var resp HeartbeatResponse
	return resp, c.call(ctx, VerbHeartbeat, req, &resp)
}

// Claim asks for a package, waiting server-side up to wait for one.
func (c *Client) Claim(ctx context.Context, wait time.Duration) (ClaimResponse, error) {
	var resp ClaimResponse
	return resp, c.call(ctx, VerbClaim, ClaimRequest{WaitMS: wait.Milliseconds()}, &resp)
}

// Complete reports a successful build.
func (c *Client) Complete(ctx context.Context, req CompleteRequest) (Ack, error) {
	var resp Ack
	return resp, c.call(ctx, VerbComplete, req, &resp)
}

// Fail reports a failed build.
func (c *Client) Fail(ctx context.Context, req FailRequest) (Ack, error) {
	var resp Ack
	return resp, c.call(ctx, VerbFail, req, &resp)
}

// Return hands a package back unbuilt.
func (c *Client) Return(ctx context.Context, req ReturnRequest) (Ack, error) {
	var resp Ack
	return resp, c.call(ctx, VerbReturn, req, &resp)
}

// Ready asks whether the orchestrator is serving.
func (c *Client) Ready(ctx context.Context) (Ready, error) {
	var r Ready
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+HealthPath, nil)
	if err != nil {
		return r, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	return r, decode(resp, HealthPath, &r)
}

// call POSTs body to the drone's verb and decodes the answer into out.
func (c *Client) call(ctx context.Context, verb string, body, out any) error {
	b, err := marshal(body)
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	path := DronePath(c.id, verb)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	defer resp.Body.Close()
	return decode(resp, verb, out)
}

// decode reads a JSON answer, or turns an error answer into an error that
// wraps the code's sentinel.
func decode(resp *http.Response, what string, out any) error {
	buf := bufpool.Get()
	defer bufpool.Put(buf)
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", what, err)
	}
	data := buf.Bytes() // json.Unmarshal copies what it keeps
	if resp.StatusCode/100 != 2 {
		var e Error
		if json.Unmarshal(data, &e) == nil && e.Code != "" {
			if s := ErrorFor(e.Code); s != nil {
				return fmt.Errorf("%s: %s: %w", what, e.Message, s)
			}
			return fmt.Errorf("%s: %s (%s, HTTP %d)", what, e.Message, e.Code, resp.StatusCode)
		}
		return fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, bytes.TrimSpace(data[:min(len(data), 200)]))
	}
	if fd, ok := out.(FlatDecoder); ok && fd.DecodeFlat(data) {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", what, err)
	}
	return nil
}

// marshal writes a request's body: a message of every build writes its
// own (FlatEncoder), the rest go through encoding/json.
func marshal(body any) ([]byte, error) {
	if fe, ok := body.(FlatEncoder); ok {
		return fe.AppendJSON(make([]byte, 0, 160)), nil
	}
	return json.Marshal(body)
}
