// Package hashpipe hashes a stream on a goroutine of its own, so that
// copying a package and hashing it use two cores instead of one.
//
// Promoting a binary package computes seven hashes over every byte
// (BLAKE2B and SHA512 for the Manifest, SHA512 for the signature, MD5,
// SHA1 and SHA-256 for the index): on one core that is eight times the
// cost of copying the file (BENCHMARKS.md). A Writer takes the bytes as
// io.MultiWriter would, copies them into chunks and returns, while its
// goroutine feeds the hashes; Close waits for it, after which the hashes
// may be summed.
package hashpipe

import (
	"errors"
	"hash"
	"sync"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("write after close")

// chunkSize is what the goroutine is handed at a time: large enough that
// the hand-over costs nothing beside the hashing, small enough that depth
// chunks in flight stay a little memory.
const (
	chunkSize = 256 << 10
	depth     = 4
)

var chunks = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize); return &b }}

// Writer feeds hashes on a goroutine of its own. It is not safe for
// concurrent use; the hashes must not be read until Close returns.
type Writer struct {
	hs     []hash.Hash
	cur    *[]byte
	work   chan *[]byte
	done   chan struct{}
	closed bool
}

// New returns a Writer feeding every hash in hs.
func New(hs ...hash.Hash) *Writer { return &Writer{hs: hs} }

// Write copies p into the pipe; it never fails before Close.
func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	n := len(p)
	for len(p) > 0 {
		if w.cur == nil {
			w.cur = chunks.Get().(*[]byte)
		}
		b := *w.cur
		k := copy(b[len(b):cap(b)], p)
		*w.cur, p = b[:len(b)+k], p[k:]
		if len(*w.cur) == cap(*w.cur) {
			w.send()
		}
	}
	return n, nil
}

// send hands the current chunk to the goroutine, starting it the first
// time: a stream shorter than a chunk is hashed by Close, with no goroutine.
func (w *Writer) send() {
	if w.work == nil {
		w.work, w.done = make(chan *[]byte, depth), make(chan struct{})
		go w.run()
	}
	w.work <- w.cur
	w.cur = nil
}

func (w *Writer) run() {
	defer close(w.done)
	for c := range w.work {
		w.hash(*c)
		*c = (*c)[:0]
		chunks.Put(c)
	}
}

func (w *Writer) hash(b []byte) {
	for _, h := range w.hs {
		h.Write(b) // hash.Hash.Write never fails
	}
}

// Close hashes what is left and waits for the goroutine; the hashes are
// complete when it returns. Closing twice does nothing.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.work == nil { // short stream: hash it here
		if w.cur != nil {
			w.hash(*w.cur)
			*w.cur = (*w.cur)[:0]
			chunks.Put(w.cur)
			w.cur = nil
		}
		return nil
	}
	if w.cur != nil && len(*w.cur) > 0 {
		w.send()
	}
	close(w.work)
	<-w.done
	return nil
}
