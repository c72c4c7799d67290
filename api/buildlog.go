package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// BuildLogsPath serves the build logs the orchestrator keeps, to operators
// (the read views' token beyond loopback): GET BuildLogsPath + "/" + ATOM
// answers text/plain, by default the error context of the latest attempt
// whose log is kept (portage's "* ERROR" block and the lines before it),
// the whole log with ?full=1, the N-th attempt with ?attempt=N. Which
// attempt it is comes in the X-Swarm-Attempt ("N of M") and X-Swarm-Drone
// headers; 404 when none is kept.
const BuildLogsPath = "/" + Version + "/logs"

// ErrNoBuildLog is a build log the orchestrator does not keep (never
// claimed, pruned, or the drone sent none).
var ErrNoBuildLog = errors.New("no build log kept")

// BuildLog is one build's log, or its error context, as the server sent it.
type BuildLog struct {
	Attempt string // "N of M"
	Drone   string
	Text    []byte
}

// FetchBuildLog reads atom's latest kept build log from the orchestrator
// at base with an operator's token ("" on loopback): its error context,
// or all of it when full.
func FetchBuildLog(ctx context.Context, hc *http.Client, base, token, atom string, full bool) (BuildLog, error) {
	u := strings.TrimRight(base, "/") + BuildLogsPath + "/" + url.PathEscape(atom)
	if full {
		u += "?full=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return BuildLog{}, fmt.Errorf("build log of %s: %w", atom, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return BuildLog{}, fmt.Errorf("build log of %s: %w", atom, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return BuildLog{}, fmt.Errorf("%s: %w", atom, ErrNoBuildLog)
	default:
		return BuildLog{}, decode(resp, "build log of "+atom, &struct{}{})
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return BuildLog{}, fmt.Errorf("build log of %s: %w", atom, err)
	}
	return BuildLog{Attempt: resp.Header.Get("X-Swarm-Attempt"), Drone: resp.Header.Get("X-Swarm-Drone"), Text: b}, nil
}

// AttemptHeader is X-Swarm-Attempt: "N of M".
func AttemptHeader(n, of int) string { return strconv.Itoa(n) + " of " + strconv.Itoa(of) }
