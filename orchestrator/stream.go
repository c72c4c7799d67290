package orchestrator

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
)

// The event stream (api.EventsPath) is fed by one goroutine, the hub, that
// follows the log with an events.Tail and hands each new event, encoded
// once, to every connected client. A client's buffer is bounded: one that
// falls streamBuffer events behind is cut off, and reconnects with its
// Last-Event-ID to read what it missed from the log itself, so a slow
// browser costs the server memory it chose, never the whole backlog.

const (
	// streamBuffer is how many events a client may be behind the hub.
	streamBuffer = 4096
	// streamPoll is how often the hub looks at the log when nothing woke
	// it: appends by other processes (a CLI verb beside the server) are
	// seen within it. The look is a stat of the newest segment.
	streamPoll = 250 * time.Millisecond
	// streamKeepAlive is how often an idle stream sends a comment, so
	// proxies keep it open and a vanished client is noticed.
	streamKeepAlive = 15 * time.Second
	// streamWriteTimeout bounds one write to a client: a client that reads
	// nothing for this long is hung up on, freeing its connection.
	streamWriteTimeout = time.Minute
)

// streamFrame is one event as its server-sent-events message.
type streamFrame struct {
	seq uint64
	msg []byte
}

// subscriber is one client of the stream. ch and gone are closed when
// the hub cuts the client off (too far behind) or stops; the client then
// stops at once, not after what its buffer still holds, as it will read
// that again when it resumes.
type subscriber struct {
	ch           chan streamFrame
	gone         chan struct{}
	writeTimeout time.Duration // the hub's, when it subscribed
}

// dropLocked ends s. The hub's lock must be held.
func (h *streamHub) dropLocked(s *subscriber) {
	delete(h.subs, s)
	h.followed.Store(len(h.subs) > 0)
	close(s.ch)
	close(s.gone)
}

// streamHub follows the log and fans its events out to the subscribers.
type streamHub struct {
	wake  chan struct{}
	ready chan struct{} // closed once next is known

	mu   sync.Mutex
	subs map[*subscriber]struct{}
	// followed is len(subs) > 0, read without the lock by poke: with
	// nobody subscribed, an append need not wake the hub.
	followed atomic.Bool
	// buffer and writeTimeout are streamBuffer and streamWriteTimeout
	// (tests make them small).
	buffer       int
	writeTimeout time.Duration
	next         uint64 // seq of the next event the hub will hand out
	stopped      bool
	// end, when set, is the seq after the log's last event as the server
	// knows it: where a file log's hub that had nobody to hand events to
	// starts again when somebody subscribes (runTail).
	end func() uint64
}

func newStreamHub() *streamHub {
	return &streamHub{wake: make(chan struct{}, 1), ready: make(chan struct{}),
		buffer: streamBuffer, writeTimeout: streamWriteTimeout, subs: make(map[*subscriber]struct{})}
}

// poke tells the hub the log moved. With nobody subscribed it does
// nothing: the hub reads nothing then (runTail), and the first subscriber
// pokes it itself, after moving it to the log's end.
func (h *streamHub) poke() {
	if !h.followed.Load() {
		return
	}
	h.wake1()
}

func (h *streamHub) wake1() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// tailer is the file log's cheap follower (events.Tail), woken by poke.
type tailer interface {
	Tail(from uint64) *events.Tail
}

// run follows log from event from until ctx ends, then cuts every
// subscriber off so their responses end and the server can shut down. The
// file log is followed with its Tail, looked at when poked or every
// streamPoll; another backend with its own Follow.
func (h *streamHub) run(ctx context.Context, log eventlog.Log, from uint64, slog func(string, ...any)) {
	if t, ok := log.(tailer); ok {
		h.runTail(ctx, t.Tail(from), slog)
		return
	}
	h.runFollow(ctx, log, from, slog)
}

// runFollow hands out what log.Follow yields; after a read error it
// follows again, after streamPoll, from the event it stopped at.
func (h *streamHub) runFollow(ctx context.Context, log eventlog.Log, from uint64, slog func(string, ...any)) {
	h.mu.Lock()
	h.next = max(from, 1)
	h.mu.Unlock()
	close(h.ready)
	defer h.stop()
	for {
		h.mu.Lock()
		next := h.next
		h.mu.Unlock()
		for e, err := range log.Follow(ctx, next) {
			if err != nil {
				if ctx.Err() == nil {
					slog("event stream: following the log", "err", err)
				}
				break
			}
			h.publish(e)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(streamPoll):
		}
	}
}

// runTail reads the file log only while somebody is subscribed: with
// nobody to hand them to (most of a busy server's life) every append's
// look at the log and decoding of its events were work for nothing (a
// few percent of a claim's CPU in issue 10's claims probe). When the
// first subscriber comes, subscribe moves next to the log's end, and the
// tail follows it there: the subscriber reads anything older from the log
// itself (streamBacklog), as a client resuming always has.
func (h *streamHub) runTail(ctx context.Context, tail *events.Tail, slog func(string, ...any)) {
	h.mu.Lock()
	h.next = tail.Next()
	h.mu.Unlock()
	close(h.ready)
	defer h.stop()
	t := time.NewTicker(streamPoll)
	defer t.Stop()
	for {
		if next, busy := h.position(); busy {
			tail.Skip(next)
			for e, err := range tail.Read(ctx) {
				if err != nil {
					if ctx.Err() == nil {
						slog("event stream: reading the log", "err", err)
					}
					break
				}
				h.publish(e)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-t.C:
		}
	}
}

// position is the seq of the next event to hand out, and whether anybody
// is subscribed to it.
func (h *streamHub) position() (next uint64, busy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.next, len(h.subs) > 0
}

// publish hands e to every subscriber, cutting off those whose buffer is
// full. An event before next was skipped when the hub moved to the log's
// end (subscribe).
func (h *streamHub) publish(e *events.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.Seq < h.next {
		return
	}
	h.next = e.Seq + 1
	if len(h.subs) == 0 {
		return // nobody to encode it for: most of a busy server's events
	}
	f := streamFrame{seq: e.Seq, msg: encodeFrame(e)}
	for s := range h.subs {
		select {
		case s.ch <- f:
		default:
			h.dropLocked(s)
		}
	}
}

// encodeFrame is e as one message: "id: SEQ\ndata: JSON\n\n" (JSON has no
// raw newlines, so one data line holds it).
func encodeFrame(e *events.Event) []byte {
	data, err := json.Marshal(e)
	if err != nil { // an Event always encodes; keep the id dense anyway
		data = []byte(`{"seq":` + strconv.FormatUint(e.Seq, 10) + `}`)
	}
	b := make([]byte, 0, len(data)+32)
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// subscribe adds a subscriber and returns it with the seq of the first
// event it will receive; ok is false once the hub has stopped. It waits
// for the hub to start (or ctx).
func (h *streamHub) subscribe(ctx context.Context) (s *subscriber, next uint64, ok bool) {
	select {
	case <-h.ready:
	case <-ctx.Done():
		return nil, 0, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return nil, 0, false
	}
	if len(h.subs) == 0 && h.end != nil {
		h.next = max(h.next, h.end()) // nobody needed what the hub did not read
	}
	s = &subscriber{ch: make(chan streamFrame, h.buffer), gone: make(chan struct{}), writeTimeout: h.writeTimeout}
	h.subs[s] = struct{}{}
	h.followed.Store(true)
	h.wake1() // an idle hub starts reading
	return s, h.next, true
}

// unsubscribe removes s (if the hub has not cut it off already).
func (h *streamHub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		h.dropLocked(s)
	}
}

func (h *streamHub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	for s := range h.subs {
		h.dropLocked(s)
	}
}
