package eventlog

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/swarm-build/swarm/events"
)

// FollowPoll is how often Follow on the file log looks for new events. The
// file log has no notification; a look when nothing is new is one stat.
const FollowPoll = 20 * time.Millisecond

// File is the file log (events.Log) as a Log.
type File struct {
	*events.Log

	mu   sync.Mutex
	last uint64 // the last sequence number seen so far: Last reads only what is after it
}

// OpenFile opens the file log in dir (see events.Open).
func OpenFile(dir string, opts events.Options) (*File, error) {
	l, err := events.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	return &File{Log: l}, nil
}

// NewFile adapts an open file log.
func NewFile(l *events.Log) *File { return &File{Log: l} }

var _ Log = (*File)(nil)

// Last returns the seq of the log's last event. The first call reads it
// from the newest segment's frame headers (events.Log.LastSeq: nothing is
// decoded, which matters on every open of a long log); later ones read
// the events after the last seen (the file log keeps where readers are in
// its newest segment, so that is cheap).
func (f *File) Last(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last == 0 {
		last, err := f.Log.LastSeq()
		if err != nil {
			return 0, err
		}
		f.last = last
	}
	for e, err := range f.Log.Events(ctx, f.last+1) {
		if err != nil {
			return 0, err
		}
		f.last = e.Seq
	}
	return f.last, nil
}

// Follow polls the log every FollowPoll for events after the last yielded.
func (f *File) Follow(ctx context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		next := max(from, 1)
		t := time.NewTicker(FollowPoll)
		defer t.Stop()
		for {
			for e, err := range f.Log.Events(ctx, next) {
				if err != nil {
					if ctx.Err() == nil {
						yield(nil, err)
					}
					return
				}
				if !yield(e, nil) {
					return
				}
				next = e.Seq + 1
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}
