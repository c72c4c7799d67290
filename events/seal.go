package events

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// sealedFrameBody is the uncompressed size of a sealed frame: large enough
// for zstd to find the repetition between events, small enough that reading
// from a sequence number in the middle decompresses little it does not need.
const sealedFrameBody = 256 << 10

var (
	sealEncOnce sync.Once
	sealEnc     *zstd.Encoder
)

// sealEncoder is the encoder for sealing: slower and tighter than the loose
// frames' encoder, because a segment is sealed once and read many times.
func sealEncoder() *zstd.Encoder {
	sealEncOnce.Do(func() {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
			zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(sealedFrameBody*2))
		if err != nil {
			panic(err) // only bad options fail here
		}
		sealEnc = e
	})
	return sealEnc
}

// sealLocked rewrites the full tail segment as large compressed frames and
// atomically replaces it. The events, their order and the hash chain are
// unchanged (the chain is over events, not frames); only the framing is.
// The OS lock must be held.
func (l *Log) sealLocked() error {
	name := l.w.tailName
	path := filepath.Join(l.dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("seal segment %s: %w", name, err)
	}
	out, err := sealSegment(name, data)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, out); err != nil {
		return fmt.Errorf("seal segment %s: %w", name, err)
	}
	l.log.Debug("sealed event log segment", "segment", name, "loose_bytes", len(data), "sealed_bytes", len(out))
	return nil
}

// sealSegment returns the sealed form of a segment, checking every frame's
// chain value on the way: damage is never sealed in.
func sealSegment(name string, data []byte) ([]byte, error) {
	s, err := scanSegment(name, data, false)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), data[:segHeaderSize]...)
	var body []byte
	var bufs bodyBufs
	head := s.hdr.prev
	first, count, frameHead := s.hdr.first, 0, head
	enc := sealEncoder()
	var coded []byte
	flush := func() error {
		if count > 0 {
			var err error
			if coded, err = delta(coded[:0], body); err != nil {
				return fmt.Errorf("%w: seal segment %s at seq %d: %v", ErrCorrupt, name, first, err)
			}
			out = appendFrame(out, first, count, frameHead, flagZstd|flagDelta, enc.EncodeAll(coded, nil))
		}
		first, count, frameHead, body = first+uint64(count), 0, head, body[:0]
		return nil
	}
	for _, fr := range s.frames {
		if fr.hdr.prev != head {
			return nil, fmt.Errorf("%w: segment %s offset %d: chain value does not follow", ErrCorrupt, name, fr.off)
		}
		_, stored, _ := parseFrame(data[fr.off:])
		recs, err := bufs.records(fr.hdr, stored)
		if err != nil {
			return nil, fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
		}
		for n := uint32(0); n < fr.hdr.count; n++ {
			rec, rest, err := nextRecord(recs)
			if err != nil {
				return nil, fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
			}
			if len(body)+len(rec) > sealedFrameBody {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			body = appendPrefixed(body, rec)
			head = chainNext(head, rec)
			count++
			recs = rest
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// appendPrefixed appends rec with its uvarint length prefix.
func appendPrefixed(b, rec []byte) []byte {
	var n [10]byte
	k := binary.PutUvarint(n[:], uint64(len(rec)))
	return append(append(b, n[:k]...), rec...)
}
