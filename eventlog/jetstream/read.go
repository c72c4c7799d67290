package jetstream

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/swarm-build/swarm/events"
)

// Last is the stream's last sequence number, asked of the server. It also
// moves this process's idea of the tail there, so that Append lands.
func (l *Log) Last(ctx context.Context) (uint64, error) {
	info, err := l.info(ctx)
	if err != nil {
		return 0, err
	}
	last := info.State.LastSeq
	if last == 0 {
		return 0, nil
	}
	head, err := l.ChainAfter(ctx, last)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, fmt.Errorf("%w: stream %s says it ends at seq %d and has no message %d", events.ErrCorrupt, l.name, last, last)
	}
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	if last > l.last {
		l.last, l.head = last, head
	}
	l.mu.Unlock()
	return last, nil
}

// ChainAfter reads the chain value event seq's message carries.
func (l *Log) ChainAfter(ctx context.Context, seq uint64) (events.Hash, error) {
	if seq == 0 {
		return events.Hash{}, nil
	}
	var m *jetstream.RawStreamMsg
	err := l.retry(ctx, "read", func(ctx context.Context) (err error) {
		m, err = l.stream.GetMsg(ctx, seq)
		return err
	})
	if err != nil {
		return events.Hash{}, fmt.Errorf("jetstream: chain after seq %d: %w", seq, err)
	}
	return parseChain(m.Header.Get(ChainHeader), seq)
}

func parseChain(s string, seq uint64) (events.Hash, error) {
	var h events.Hash
	if len(s) != hex.EncodedLen(len(h)) {
		return h, fmt.Errorf("%w: message %d: bad %s header %q", events.ErrCorrupt, seq, ChainHeader, s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("%w: message %d: bad %s header %q", events.ErrCorrupt, seq, ChainHeader, s)
	}
	return h, nil
}

// raw is one message as stored: its stream sequence, record and chain header.
type raw struct {
	seq   uint64
	rec   []byte
	chain string
}

// readHeartbeat is how often the server tells a reader it is still there
// when it has nothing to deliver (the client's least). Two missed make the
// client make its consumer again: in a cluster a new consumer sometimes
// misses its first pull, and at the client's default (5 s) a read then
// stalled for 10 s.
const readHeartbeat = 500 * time.Millisecond

// forever is the until of a scan that follows the stream.
const forever = ^uint64(0)

// directMax is the most messages a read fetches one by one from the
// stream's leader rather than through a consumer. A store catching up reads
// a few new events at a time: a consumer each time is a request to
// JetStream's metadata leader to make it and another to delete it, which
// churns the metadata layer and stalls every read while that leader is
// being re-elected after a member died; fetching the few messages asks the
// stream's leader alone.
const directMax = 256

// direct yields the messages from seq from to until, each fetched from the
// stream's leader (retried while there is none, like an append).
func (l *Log) direct(ctx context.Context, from, until uint64, yield func(raw, error) bool) {
	for seq := from; seq <= until; seq++ {
		var m *jetstream.RawStreamMsg
		err := l.retry(ctx, "read", func(actx context.Context) error {
			var err error
			m, err = l.stream.GetMsg(actx, seq)
			return err
		})
		if err != nil {
			yield(raw{}, fmt.Errorf("jetstream: read seq %d: %w", seq, err))
			return
		}
		if m.Sequence != seq {
			yield(raw{}, fmt.Errorf("%w: the stream skips from seq %d to %d", events.ErrCorrupt, seq-1, m.Sequence))
			return
		}
		if !yield(raw{seq: seq, rec: m.Data, chain: m.Header.Get(ChainHeader)}, nil) {
			return
		}
	}
}

// consumerAttempt bounds one attempt to make a reader's consumer.
const consumerAttempt = 5 * time.Second

// scan yields the messages from seq from on, up to until (forever: waiting
// for new ones until ctx ends).
func (l *Log) scan(ctx context.Context, from, until uint64) iter.Seq2[raw, error] {
	return func(yield func(raw, error) bool) {
		from = max(from, 1)
		if from > until {
			return
		}
		if until != forever && until-from < directMax {
			l.direct(ctx, from, until, yield)
			return
		}
		// In a cluster that has just formed or lost its leader, making the
		// consumer waits for the stream's leader: retried like any request.
		var cons jetstream.Consumer
		err := l.retryEach(ctx, "read", consumerAttempt, func(actx context.Context) error {
			var err error
			cons, err = l.stream.OrderedConsumer(actx, jetstream.OrderedConsumerConfig{
				DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from})
			return err
		})
		if err != nil {
			yield(raw{}, fmt.Errorf("jetstream: read from seq %d: %w", from, err))
			return
		}
		it, err := cons.Messages(jetstream.PullHeartbeat(readHeartbeat))
		if err != nil {
			yield(raw{}, fmt.Errorf("jetstream: read from seq %d: %w", from, err))
			return
		}
		defer it.Stop()
		stop := context.AfterFunc(ctx, it.Stop)
		defer stop()
		for want := from; want <= until; want++ {
			m, err := it.Next()
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) && l.isClosed() {
					if until != forever {
						yield(raw{}, context.Cause(ctx))
					}
					return
				}
				yield(raw{}, fmt.Errorf("jetstream: read seq %d: %w", want, err))
				return
			}
			md, err := m.Metadata()
			if err != nil {
				yield(raw{}, fmt.Errorf("jetstream: read seq %d: %w", want, err))
				return
			}
			if md.Sequence.Stream != want {
				yield(raw{}, fmt.Errorf("%w: the stream skips from seq %d to %d", events.ErrCorrupt, want-1, md.Sequence.Stream))
				return
			}
			if !yield(raw{seq: want, rec: m.Data(), chain: m.Headers().Get(ChainHeader)}, nil) {
				return
			}
		}
	}
}

// Events yields the events the stream holds now from seq from on.
func (l *Log) Events(ctx context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		info, err := l.info(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		l.decode(ctx, from, info.State.LastSeq, yield)
	}
}

// Follow yields the events from seq from on, then each new one as it is
// appended, until ctx ends.
func (l *Log) Follow(ctx context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) { l.decode(ctx, from, forever, yield) }
}

func (l *Log) decode(ctx context.Context, from, until uint64, yield func(*events.Event, error) bool) {
	d := events.NewDecoder()
	var e events.Event
	for r, err := range l.scan(ctx, from, until) {
		if err == nil {
			err = d.Decode(r.rec, &e)
			if err == nil && e.Seq != r.seq {
				err = fmt.Errorf("record holds seq %d", e.Seq)
			}
			if err != nil {
				err = fmt.Errorf("%w: message %d: %v", events.ErrCorrupt, r.seq, err)
			}
		}
		if err != nil {
			yield(nil, err)
			return
		}
		if !yield(&e, nil) {
			return
		}
	}
}

// Verify reads the whole stream and checks that every message decodes,
// holds the event its stream sequence says, and carries the chain's value
// after it.
func (l *Log) Verify(ctx context.Context) (events.Report, error) {
	var r events.Report
	info, err := l.info(ctx)
	if err != nil {
		return r, err
	}
	d := events.NewDecoder()
	var e events.Event
	var head events.Hash
	for m, err := range l.scan(ctx, 1, info.State.LastSeq) {
		if err != nil {
			return r, err
		}
		if err := d.Decode(m.rec, &e); err != nil {
			return r, fmt.Errorf("%w: message %d: %v", events.ErrCorrupt, m.seq, err)
		}
		if e.Seq != m.seq {
			return r, fmt.Errorf("%w: message %d holds seq %d", events.ErrCorrupt, m.seq, e.Seq)
		}
		head = events.ChainNext(head, m.rec)
		got, err := parseChain(m.chain, m.seq)
		if err != nil {
			return r, err
		}
		if got != head {
			return r, fmt.Errorf("%w: message %d: chain broken (message names %.12s…, log hashes to %.12s…)",
				events.ErrCorrupt, m.seq, got, head)
		}
		r.Frames++
		r.Events++
		r.Last = m.seq
	}
	r.Head, r.HeadHex = head, head.String()
	if l.srvLog != nil {
		for _, a := range l.srvLog.Alarms() {
			if strings.Contains(strings.ToLower(a), "corrupt") {
				return r, fmt.Errorf("%w: the JetStream server reported damage: %s", events.ErrCorrupt, a)
			}
		}
	}
	return r, nil
}

// info is the stream's info, waiting (in a cluster) for a leader to answer.
func (l *Log) info(ctx context.Context) (*jetstream.StreamInfo, error) {
	var info *jetstream.StreamInfo
	err := l.retry(ctx, "stream info", func(ctx context.Context) (err error) {
		info, err = l.stream.Info(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: stream info: %w", err)
	}
	return info, nil
}

// Info is the stream's info, as the server reports it.
func (l *Log) Info(ctx context.Context) (*jetstream.StreamInfo, error) { return l.stream.Info(ctx) }
