package forensics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/events"
)

// Fetch errors.
var (
	// ErrDiverged: the local log is not a beginning of the orchestrator's.
	ErrDiverged = errors.New("the local log and the orchestrator's differ")
	// ErrBadChain: a record the orchestrator sent does not follow from the
	// one before it.
	ErrBadChain = errors.New("the orchestrator's records break the hash chain")
	// ErrNewerLog: the orchestrator's log holds records this release cannot
	// copy without changing them.
	ErrNewerLog = errors.New("the orchestrator's log is newer than this swarm")
)

// Fetcher copies an orchestrator's log into a local one, page by page, each
// record proven by the hash chain: the first page must continue the local
// log's own chain, and every record must follow from the one before. Like
// `git fetch` it only ever adds what the local copy lacks.
type Fetcher struct {
	URL    string // the orchestrator, like http://127.0.0.1:8093
	Token  string // an operator's token, when the server asks for one
	Client *http.Client
	Limit  int // records per page; 0: the server's maximum
}

// FetchResult says what a Fetch did.
type FetchResult struct {
	From, To uint64 // the local log's last seq before and after
	Records  int
	Chain    events.Hash // the chain value after To
}

// FetchLog is what Fetch needs of the local log (any eventlog.Log, or an
// *events.Log).
type FetchLog interface {
	ChainAfter(ctx context.Context, seq uint64) (events.Hash, error)
	AppendIf(ctx context.Context, expect uint64, evs ...events.Event) (uint64, error)
}

// Fetch copies into log every record the orchestrator has after last, the
// local log's last seq.
func (f *Fetcher) Fetch(ctx context.Context, log FetchLog, last uint64) (FetchResult, error) {
	res := FetchResult{From: last, To: last}
	head, err := log.ChainAfter(ctx, last)
	if err != nil {
		return res, err
	}
	res.Chain = head
	for {
		page, err := f.page(ctx, res.To)
		if err != nil {
			return res, err
		}
		if page.Prev != head.String() {
			return res, fmt.Errorf("%w: after seq %d the chain is %s here, %s there", ErrDiverged, res.To, head, page.Prev)
		}
		if len(page.Records) == 0 {
			return res, nil
		}
		evs, next, err := verifyPage(page, head)
		if err != nil {
			return res, err
		}
		if _, err := log.AppendIf(ctx, res.To, evs...); err != nil {
			return res, fmt.Errorf("append the fetched events: %w", err)
		}
		res.To += uint64(len(evs))
		res.Records += len(evs)
		if got, err := log.ChainAfter(ctx, res.To); err != nil || got != next {
			return res, fmt.Errorf("%w: the local copy's chain after seq %d is %s, want %s (%v)", ErrBadChain, res.To, got, next, err)
		}
		head, res.Chain = next, next
	}
}

// verifyPage checks a page's records against the chain value before them
// and decodes them.
func verifyPage(page api.LogPage, head events.Hash) ([]events.Event, events.Hash, error) {
	evs := make([]events.Event, 0, len(page.Records))
	for i, r := range page.Records {
		if r.Seq != page.After+uint64(i)+1 {
			return nil, head, fmt.Errorf("%w: record %d of the page holds seq %d", ErrBadChain, i, r.Seq)
		}
		head = events.ChainNext(head, r.Data)
		if head.String() != r.Chain {
			return nil, head, fmt.Errorf("%w at seq %d", ErrBadChain, r.Seq)
		}
		e, ok, err := events.Canonical(r.Data)
		if err != nil {
			return nil, head, fmt.Errorf("%w at seq %d: %w", ErrBadChain, r.Seq, err)
		}
		if !ok || e.Seq != r.Seq {
			return nil, head, fmt.Errorf("%w: seq %d has fields or a type this release does not know; fetch with a newer swarm", ErrNewerLog, r.Seq)
		}
		evs = append(evs, e)
	}
	return evs, head, nil
}

// page asks the orchestrator for the records after seq.
func (f *Fetcher) page(ctx context.Context, after uint64) (api.LogPage, error) {
	var page api.LogPage
	q := url.Values{"after": {strconv.FormatUint(after, 10)}}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(f.URL, "/")+api.LogPath+"?"+q.Encode(), nil)
	if err != nil {
		return page, fmt.Errorf("fetch from %s: %w", f.URL, err)
	}
	if f.Token != "" {
		req.Header.Set("Authorization", "Bearer "+f.Token)
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return page, fmt.Errorf("fetch from %s: %w", f.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e api.Error
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if json.Unmarshal(body, &e) == nil && e.Message != "" {
			return page, fmt.Errorf("fetch from %s: HTTP %d: %s", f.URL, resp.StatusCode, e.Message)
		}
		return page, fmt.Errorf("fetch from %s: HTTP %d", f.URL, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4*api.LogPageMaxBytes)).Decode(&page); err != nil {
		return page, fmt.Errorf("fetch from %s: %w", f.URL, err)
	}
	if page.After != after {
		return page, fmt.Errorf("%w: asked for the records after %d, got those after %d", ErrBadChain, after, page.After)
	}
	return page, nil
}
