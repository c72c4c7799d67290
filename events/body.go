package events

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

var (
	decOnce sync.Once
	dec     *zstd.Decoder
)

// decoder returns the package's shared zstd decoder; DecodeAll on it is safe
// for concurrent use.
func decoder() *zstd.Decoder {
	decOnce.Do(func() {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxFrameBody*4))
		if err != nil {
			panic(err) // only bad options fail here
		}
		dec = d
	})
	return dec
}

// frameRecords returns a frame's records, decompressing into scratch if the
// frame is compressed.
func frameRecords(h frameHeader, stored, scratch []byte) ([]byte, error) {
	if h.flags&flagZstd == 0 {
		return stored, nil
	}
	out, err := decoder().DecodeAll(stored, scratch[:0])
	if err != nil {
		return nil, fmt.Errorf("decompress frame: %w", err)
	}
	return out, nil
}

// chainThrough returns the chain value after the frame's records up to and
// including sequence number until.
func chainThrough(h frameHeader, stored []byte, until uint64) (Hash, error) {
	body, err := frameRecords(h, stored, nil)
	if err != nil {
		return Hash{}, err
	}
	head := h.prev
	seq := h.first
	for n := uint32(0); n < h.count && seq <= until; n++ {
		rec, rest, err := nextRecord(body)
		if err != nil {
			return Hash{}, err
		}
		head = chainNext(head, rec)
		body = rest
		seq++
	}
	return head, nil
}
