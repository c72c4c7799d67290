package jetstream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// In a cluster a request may find no leader to answer it (the leader died
// and its successor is not elected yet: seconds), or a leader that cannot
// commit (it lost its quorum). Requests wait that out, retrying, for as long
// as the caller's context allows or quorumWait; then they fail with
// ErrNoQuorum. A single node does not retry: it has nobody to wait for.

// attemptTimeout bounds one request to the cluster (JetStream's API does
// not answer while the stream has no leader: a request waits it out),
// appendAttempt one append of n events (acknowledged once a quorum has
// written it); quorumWait all of them, when the caller's context has no
// deadline.
const (
	attemptTimeout = time.Second
	quorumWait     = 30 * time.Second
)

// retryEvery is the pause between attempts.
const retryEvery = 20 * time.Millisecond

func appendAttempt(n int) time.Duration { return 5*time.Second + time.Duration(n)*100*time.Microsecond }

// errUnavailable marks an answer that says JetStream cannot serve the
// request now (a 503, a stream without a leader): try again.
var errUnavailable = errors.New("jetstream: temporarily unavailable")

// unavailableCodes are JetStream's errors for a cluster that cannot serve a
// request now: not available, not leader, stream offline.
var unavailableCodes = map[int]bool{10008: true, 10009: true, 10118: true, 10163: true, 10194: true}

// unavailable says whether err may pass once the cluster has a leader.
func unavailable(err error) bool {
	var api *jetstream.APIError
	switch {
	case errors.Is(err, errUnavailable), errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &api):
		return api.Code == 503 || unavailableCodes[int(api.ErrorCode)]
	}
	return false
}

// retry runs op until it succeeds, fails for a reason other than the
// cluster's unavailability, or ctx (bounded by quorumWait) ends, each
// attempt bounded by attemptTimeout. A single node runs op once.
func (l *Log) retry(ctx context.Context, what string, op func(context.Context) error) error {
	return l.retryEach(ctx, what, attemptTimeout, op)
}

// retryEach is retry with attempts bounded by each.
func (l *Log) retryEach(ctx context.Context, what string, each time.Duration, op func(context.Context) error) error {
	if l.cluster == nil {
		return op(ctx)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, quorumWait)
		defer cancel()
	}
	for {
		var err error
		if l.cluster.leaderReachable() {
			actx, cancel := context.WithTimeout(ctx, each)
			err = op(actx)
			cancel()
		} else {
			// Nobody would answer, and a request would wait out its whole
			// attempt: wait for this member to see a leader instead.
			err = fmt.Errorf("%w: no stream leader reachable", errUnavailable)
		}
		if err == nil || !unavailable(err) {
			return err
		}
		if ctx.Err() != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				return fmt.Errorf("jetstream: %s: %w", what, ctx.Err())
			}
			return fmt.Errorf("%w: %s: %s: %v", ErrNoQuorum, what, l.cluster.reach(), err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(retryEvery):
		}
	}
}
