package events

import (
	"encoding/binary"
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

// bodyBufs are the reusable buffers of a frame reader.
type bodyBufs struct{ z, recs []byte }

// records returns a frame's records in their canonical form, decompressing
// and undoing the delta coding as the flags say. The result is valid until
// the next call.
func (b *bodyBufs) records(h frameHeader, stored []byte) ([]byte, error) {
	body, err := b.decompressed(h, stored)
	if err != nil {
		return nil, err
	}
	if h.flags&flagDelta != 0 {
		out, err := undelta(h, body, b.recs[:0])
		if err != nil {
			return nil, err
		}
		b.recs, body = out, out
	}
	return body, nil
}

// frame returns the records of the frame fr of segment name, whose body is
// stored, as mode asks: canonical (records) or as stored (decompressed). A
// body that cannot be read is ErrCorrupt, naming where it is.
func (b *bodyBufs) frame(name string, fr frameRef, stored []byte, mode walkMode) ([]byte, error) {
	var recs []byte
	var err error
	if mode == asStored {
		recs, err = b.decompressed(fr.hdr, stored)
	} else {
		recs, err = b.records(fr.hdr, stored)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
	}
	return recs, nil
}

// decompressed returns a frame's records as stored, delta-coded or not,
// decompressing them if need be. The result is valid until the next call.
func (b *bodyBufs) decompressed(h frameHeader, stored []byte) ([]byte, error) {
	body := stored
	if h.flags&flagZstd != 0 {
		out, err := decoder().DecodeAll(stored, b.z[:0])
		if err != nil {
			return nil, fmt.Errorf("decompress frame: %w", err)
		}
		b.z, body = out, out
	}
	return body, nil
}

// frameRecords is records with buffers of its own, for one-off reads.
func frameRecords(h frameHeader, stored []byte) ([]byte, error) {
	var b bodyBufs
	return b.records(h, stored)
}

// delta rewrites canonical length-prefixed records for a sealed frame: the
// sequence number is dropped (it is first + index) and the time becomes the
// difference from the record before. Counters and absolute times are what
// zstd cannot predict between interleaved events; differences it can.
func delta(dst, body []byte) ([]byte, error) {
	prev := int64(0)
	for len(body) > 0 {
		rec, rest, err := nextRecord(body)
		if err != nil {
			return nil, err
		}
		r := reader{b: rec}
		r.uvarint()
		t := r.varint()
		if r.err != nil {
			return nil, fmt.Errorf("%w: %v", ErrDecode, r.err)
		}
		var hdr [binary.MaxVarintLen64]byte
		k := binary.PutVarint(hdr[:], t-prev)
		dst = binary.AppendUvarint(dst, uint64(k+len(r.b)))
		dst = append(append(dst, hdr[:k]...), r.b...)
		prev, body = t, rest
	}
	return dst, nil
}

// undelta restores the canonical records of a delta-coded frame.
func undelta(h frameHeader, body, dst []byte) ([]byte, error) {
	t := int64(0)
	for seq := h.first; len(body) > 0; seq++ {
		rec, rest, err := nextRecord(body)
		if err != nil {
			return nil, err
		}
		r := reader{b: rec}
		t += r.varint()
		if r.err != nil {
			return nil, fmt.Errorf("%w: %v", ErrDecode, r.err)
		}
		var hdr [2 * binary.MaxVarintLen64]byte
		k := binary.PutUvarint(hdr[:], seq)
		k += binary.PutVarint(hdr[k:], t)
		dst = binary.AppendUvarint(dst, uint64(k+len(r.b)))
		dst = append(append(dst, hdr[:k]...), r.b...)
		body = rest
	}
	return dst, nil
}

// chainThrough returns the chain value after the frame's records up to and
// including sequence number until.
func chainThrough(h frameHeader, stored []byte, until uint64) (Hash, error) {
	body, err := frameRecords(h, stored)
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
