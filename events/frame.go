package events

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// On-disk constants. doc.go explains the layout.
const (
	segMagic        = "SWARMLOG"
	formatVersion   = 1
	segHeaderSize   = 56
	frameHeaderSize = 56
	frameAlign      = 8

	flagZstd   = 1 << 0 // the body is zstd-compressed
	flagDelta  = 1 << 1 // records are stored delta-coded (sealed frames; see doc.go)
	flagsKnown = flagZstd | flagDelta

	// maxFrameBody bounds a frame's stored body, so a flipped length bit
	// cannot make a reader allocate gigabytes.
	maxFrameBody = 256 << 20
	// maxFrameEvents bounds a frame's event count for the same reason.
	maxFrameEvents = 1 << 24
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Hash is a value of the log's hash chain: SHA-256 over the previous value
// and one event record.
type Hash [32]byte

// String prints the hash in hex, like git prints a commit id.
func (h Hash) String() string { return fmt.Sprintf("%x", h[:]) }

// chainNext returns the chain value after rec.
func chainNext(prev Hash, rec []byte) Hash {
	d := sha256.New()
	d.Write(prev[:])
	d.Write(rec)
	var h Hash
	d.Sum(h[:0])
	return h
}

// frameHeader is the fixed part of a frame.
type frameHeader struct {
	bodyLen uint32
	crc     uint32
	flags   uint8
	pad     uint8
	count   uint32
	first   uint64
	prev    Hash
}

func (h *frameHeader) frameLen() int64 {
	return frameHeaderSize + int64(h.bodyLen) + int64(h.pad)
}

// appendFrame appends one frame holding body (already compressed if flags
// says so) to dst.
func appendFrame(dst []byte, first uint64, count int, prev Hash, flags uint8, body []byte) []byte {
	pad := (frameAlign - len(body)%frameAlign) % frameAlign
	start := len(dst)
	var hdr [frameHeaderSize]byte
	binary.LittleEndian.PutUint32(hdr[0:], uint32(len(body)))
	hdr[8] = flags
	hdr[9] = uint8(pad)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(count))
	binary.LittleEndian.PutUint64(hdr[16:], first)
	copy(hdr[24:], prev[:])
	dst = append(dst, hdr[:]...)
	dst = append(dst, body...)
	dst = append(dst, make([]byte, pad)...)
	binary.LittleEndian.PutUint32(dst[start+4:], frameCRC(dst[start:start+frameHeaderSize], body))
	return dst
}

// frameCRC covers the length word, the rest of the header and the body: all
// but the crc field itself.
func frameCRC(hdr, body []byte) uint32 {
	c := crc32.Update(0, castagnoli, hdr[0:4])
	c = crc32.Update(c, castagnoli, hdr[8:frameHeaderSize])
	return crc32.Update(c, castagnoli, body)
}

// parseFrame reads the frame at the start of b. It returns errShort when b
// holds only part of a frame and errBadFrame when the bytes are not a frame.
func parseFrame(b []byte) (frameHeader, []byte, error) {
	if len(b) < frameHeaderSize {
		return frameHeader{}, nil, errShort
	}
	h := frameHeader{
		bodyLen: binary.LittleEndian.Uint32(b[0:]),
		crc:     binary.LittleEndian.Uint32(b[4:]),
		flags:   b[8],
		pad:     b[9],
		count:   binary.LittleEndian.Uint32(b[12:]),
		first:   binary.LittleEndian.Uint64(b[16:]),
	}
	copy(h.prev[:], b[24:56])
	if h.bodyLen == 0 || h.bodyLen > maxFrameBody || h.count == 0 || h.count > maxFrameEvents ||
		int(h.pad) != (frameAlign-int(h.bodyLen%frameAlign))%frameAlign || // frames are 8-aligned
		b[10] != 0 || b[11] != 0 || h.flags&^flagsKnown != 0 {
		return h, nil, errBadFrame
	}
	if int64(len(b)) < h.frameLen() {
		return h, nil, errShort
	}
	body := b[frameHeaderSize : frameHeaderSize+int(h.bodyLen)]
	if frameCRC(b[:frameHeaderSize], body) != h.crc {
		return h, nil, errBadFrame
	}
	return h, body, nil
}

// segHeader is the fixed start of every segment file.
type segHeader struct {
	version uint32
	first   uint64 // sequence number of the segment's first event
	prev    Hash   // chain value before that event
}

func (h segHeader) encode() []byte {
	b := make([]byte, segHeaderSize)
	copy(b, segMagic)
	binary.LittleEndian.PutUint32(b[8:], h.version)
	binary.LittleEndian.PutUint64(b[16:], h.first)
	copy(b[24:], h.prev[:])
	binary.LittleEndian.PutUint32(b[12:], segHeaderCRC(b))
	return b
}

func segHeaderCRC(b []byte) uint32 {
	c := crc32.Update(0, castagnoli, b[0:12])
	return crc32.Update(c, castagnoli, b[16:segHeaderSize])
}

func parseSegHeader(b []byte) (segHeader, error) {
	if len(b) < segHeaderSize {
		return segHeader{}, errShort
	}
	if !bytes.Equal(b[:8], []byte(segMagic)) || binary.LittleEndian.Uint32(b[12:]) != segHeaderCRC(b) {
		return segHeader{}, errBadFrame
	}
	h := segHeader{version: binary.LittleEndian.Uint32(b[8:]), first: binary.LittleEndian.Uint64(b[16:])}
	copy(h.prev[:], b[24:56])
	if h.version != formatVersion {
		return h, fmt.Errorf("%w: segment format %d (this swarm reads %d)", ErrVersion, h.version, formatVersion)
	}
	if h.first == 0 {
		return h, errBadFrame
	}
	return h, nil
}

// nextRecord splits the first length-prefixed record off body.
func nextRecord(body []byte) (rec, rest []byte, err error) {
	n, k := binary.Uvarint(body)
	if k <= 0 || n == 0 || n > uint64(len(body)-k) {
		return nil, nil, fmt.Errorf("%w: bad record length", ErrDecode)
	}
	return body[k : k+int(n)], body[k+int(n):], nil
}
