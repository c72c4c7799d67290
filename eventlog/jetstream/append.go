package jetstream

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/swarm-build/swarm/events"
)

// ChainHeader holds, on every message, the hash chain's value after its event.
const ChainHeader = "Swarm-Chain"

// MaxBatch is the most events one append may hold: the embedded server's
// limit on an atomic batch, raised from JetStream's default of 1,000 since
// one swarm decision (swarm fresh enqueuing a tree) may mean many more.
const MaxBatch = 100_000

// maxAttempts bounds Append's retries when other writers keep winning.
const maxAttempts = 64

// Errors JetStream answers that swarm tells apart.
const (
	errWrongLastSeq         = 10071 // Nats-Expected-Last-Sequence did not hold
	errWrongLastSeqReplicas = 10164 // the same, from a replicated stream
)

// ErrTooMany: an append of more events than one atomic batch takes.
var ErrTooMany = fmt.Errorf("jetstream: more than %d events in one append", MaxBatch)

// Append appends evs after whatever the stream holds: AppendIf at the tail
// this process knows, again at the new tail when another writer got there
// first. Appends from one process take turns (each needs the chain value
// the one before it made), so only other processes make it retry.
func (l *Log) Append(ctx context.Context, evs ...events.Event) (uint64, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	for range maxAttempts {
		l.mu.Lock()
		last := l.last
		l.mu.Unlock()
		seq, err := l.AppendIf(ctx, last, evs...)
		if !errors.Is(err, events.ErrConflict) {
			return seq, err
		}
		if _, err := l.Last(ctx); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("jetstream: append: %w (%d attempts)", events.ErrConflict, maxAttempts)
}

// AppendIf appends evs, all or none, if the stream's last sequence number is
// still expect. It returns once JetStream has acknowledged them, which with
// SyncAlways is after they are on disk.
func (l *Log) AppendIf(ctx context.Context, expect uint64, evs ...events.Event) (uint64, error) {
	if len(evs) == 0 {
		return 0, fmt.Errorf("append: no events")
	}
	if len(evs) > MaxBatch {
		return 0, ErrTooMany
	}
	if l.isClosed() {
		return 0, events.ErrClosed
	}
	head, err := l.chainAt(ctx, expect)
	if err != nil {
		return 0, err
	}
	now := l.now().UTC()
	msgs := make([]*nats.Msg, len(evs))
	for i := range evs {
		e := &evs[i]
		events.Stamp(e, expect+1+uint64(i), now)
		rec := events.AppendRecord(nil, e)
		head = events.ChainNext(head, rec)
		m := nats.NewMsg(l.subject)
		m.Data = rec
		m.Header.Set(ChainHeader, hex.EncodeToString(head[:]))
		msgs[i] = m
	}
	msgs[0].Header.Set(jetstream.ExpectedLastSeqHeader, strconv.FormatUint(expect, 10))
	want := expect + uint64(len(evs))
	last, err := l.commit(ctx, msgs, expect)
	if err != nil {
		return 0, err
	}
	if last != want {
		return 0, fmt.Errorf("jetstream: the stream put event %d at seq %d", want, last)
	}
	l.mu.Lock()
	if last > l.last {
		l.last, l.head = last, head
	}
	l.mu.Unlock()
	l.appended(last, head)
	return last, nil
}

// commit publishes msgs, the events after seq expect, and waits for their
// acknowledgement; in a cluster it waits while no leader is reachable and
// retries while none answers (retry). An attempt that timed out may have
// landed all the same (the leader committed, its answer was lost): when a
// later attempt then conflicts, landed says whether these very events are
// there.
func (l *Log) commit(ctx context.Context, msgs []*nats.Msg, expect uint64) (uint64, error) {
	var last uint64
	sent := false
	err := l.retryEach(ctx, "append", appendAttempt(len(msgs)), func(ctx context.Context) error {
		var err error
		last, err = l.publish(ctx, msgs)
		switch {
		case errors.Is(err, events.ErrConflict) && sent:
			if err = l.landed(ctx, expect, msgs[0]); err == nil {
				last = expect + uint64(len(msgs))
			}
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
			sent = true
		}
		return err
	})
	return last, err
}

// landed says whether an append whose first message is first, after seq
// expect, is in the stream: nil if it is (a batch is all or nothing),
// events.ErrConflict if another append took its place, errUnavailable
// while the place is empty: the conflict came from an append still being
// committed, perhaps this one.
func (l *Log) landed(ctx context.Context, expect uint64, first *nats.Msg) error {
	m, err := l.stream.GetMsg(ctx, expect+1)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return fmt.Errorf("%w: seq %d is being committed", errUnavailable, expect+1)
	case err != nil:
		return err
	case m.Header.Get(ChainHeader) == first.Header.Get(ChainHeader):
		return nil
	}
	return fmt.Errorf("%w: another append took seq %d", events.ErrConflict, expect+1)
}

// publish sends one message, or an atomic batch of several, and waits for
// the acknowledgement of the last.
func (l *Log) publish(ctx context.Context, msgs []*nats.Msg) (uint64, error) {
	if len(msgs) > 1 {
		id := nuid.Next()
		for i, m := range msgs {
			m.Header.Set("Nats-Batch-Id", id)
			m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		}
		msgs[len(msgs)-1].Header.Set("Nats-Batch-Commit", "1")
		for _, m := range msgs[:len(msgs)-1] {
			if err := l.nc.PublishMsg(m); err != nil {
				return 0, fmt.Errorf("jetstream: publish: %w", err)
			}
		}
	}
	reply, err := l.nc.RequestMsgWithContext(ctx, msgs[len(msgs)-1])
	if err != nil {
		return 0, fmt.Errorf("jetstream: publish: %w", err)
	}
	return parseAck(reply.Data)
}

// pubAck is JetStream's answer to a publish.
type pubAck struct {
	Seq   uint64 `json:"seq"`
	Error *struct {
		Code    int    `json:"code"`
		ErrCode int    `json:"err_code"`
		Desc    string `json:"description"`
	} `json:"error"`
}

func parseAck(b []byte) (uint64, error) {
	var a pubAck
	if err := json.Unmarshal(b, &a); err != nil {
		return 0, fmt.Errorf("jetstream: publish: bad acknowledgement %q: %w", b, err)
	}
	if a.Error != nil {
		if a.Error.ErrCode == errWrongLastSeq || a.Error.ErrCode == errWrongLastSeqReplicas {
			return 0, fmt.Errorf("%w: %s", events.ErrConflict, a.Error.Desc)
		}
		if a.Error.Code == 503 || unavailableCodes[a.Error.ErrCode] {
			return 0, fmt.Errorf("%w: publish: %s (error %d)", errUnavailable, a.Error.Desc, a.Error.ErrCode)
		}
		return 0, fmt.Errorf("jetstream: publish: %s (error %d)", a.Error.Desc, a.Error.ErrCode)
	}
	if a.Seq == 0 {
		return 0, fmt.Errorf("jetstream: publish: acknowledgement without a sequence: %q", b)
	}
	return a.Seq, nil
}

// chainAt is the chain's value after event seq: from memory when that is
// the tail this process last wrote or read, else from the message's header.
// A seq past the end is a conflict (the caller decided on a log it did not
// read from here).
func (l *Log) chainAt(ctx context.Context, seq uint64) (events.Hash, error) {
	if seq == 0 {
		return events.Hash{}, nil
	}
	l.mu.Lock()
	last, head := l.last, l.head
	l.mu.Unlock()
	if seq == last {
		return head, nil
	}
	h, err := l.ChainAfter(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return h, fmt.Errorf("%w: decided at seq %d, past the log's end", events.ErrConflict, seq)
	}
	return h, err
}

func (l *Log) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}
