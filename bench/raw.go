package bench

import (
	"fmt"
	"os"
	"sync"
)

// rawFile is the raw side of the append probes: an append-only file in the
// scratch folder, written and fdatasync'd, nothing else.
type rawFile struct{ f *os.File }

func openRaw(path string) (*rawFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &rawFile{f: f}, nil
}

// writeSync writes b at the end of the file and makes it durable.
func (r *rawFile) writeSync(b []byte) error {
	if _, err := r.f.Write(b); err != nil {
		return fmt.Errorf("raw write: %w", err)
	}
	if err := fdatasync(r.f); err != nil {
		return fmt.Errorf("raw fdatasync: %w", err)
	}
	return nil
}

func (r *rawFile) Close() error { return r.f.Close() }

// rawGroup is the least a group commit can be: callers queue their record
// under a mutex; the first to find no leader leads, writes every queued record
// in one write with one fdatasync, wakes the others, and hands leadership to
// the first that queued meanwhile. It is what append_group_64 measures the
// log's group commit against.
type rawGroup struct {
	file *rawFile

	mu      sync.Mutex
	queue   []*rawReq
	leading bool

	buf []byte // the leader's; leadership hand-over orders access
}

type rawReq struct {
	rec  []byte
	wake chan bool // true: lead the next group; false: done
	err  error
}

// append returns once rec is durable.
func (g *rawGroup) append(rec []byte) error {
	req := &rawReq{rec: rec, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, req)
	if g.leading {
		g.mu.Unlock()
		if lead := <-req.wake; !lead {
			return req.err
		}
		g.mu.Lock()
	}
	g.leading = true
	group := g.queue
	g.queue = nil
	g.mu.Unlock()

	g.buf = g.buf[:0]
	for _, r := range group {
		g.buf = append(g.buf, r.rec...)
	}
	err := g.file.writeSync(g.buf)
	for _, r := range group {
		if r != req {
			r.err = err
			r.wake <- false
		}
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		g.mu.Unlock()
		next.wake <- true
	} else {
		g.leading = false
		g.mu.Unlock()
	}
	return err
}
