package events

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/swarm-build/swarm/internal/atomicfile"
)

// Internal markers of why parsing stopped. They never leave the package.
var (
	errShort    = errors.New("short")
	errBadFrame = errors.New("bad frame")
)

const segSuffix = ".seg"

// segmentName is the file name of the segment whose first event is first:
// zero-padded so that names sort in log order.
func segmentName(first uint64) string { return fmt.Sprintf("%020d%s", first, segSuffix) }

// listSegments returns the segment names in dir in log order.
func listSegments(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list segments in %s: %w", dir, err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(n, segSuffix) {
			continue
		}
		if _, err := strconv.ParseUint(strings.TrimSuffix(n, segSuffix), 10, 64); err != nil {
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// frameRef is a frame found by scanSegment.
type frameRef struct {
	off int64
	hdr frameHeader
}

// scanned is what scanSegment learned about one segment file.
type scanned struct {
	hdr     segHeader
	frames  []frameRef
	end     int64  // offset just past the last whole frame
	torn    bool   // bytes after end are a torn write (only reported for the tail)
	skipped uint64 // events before the scanned bytes (a scan that began mid-segment)
}

// next returns the sequence number after the segment's last event.
func (s *scanned) next() uint64 {
	if len(s.frames) == 0 {
		return s.hdr.first + s.skipped
	}
	f := s.frames[len(s.frames)-1].hdr
	return f.first + uint64(f.count)
}

// scanSegment checks every frame's length, checksum and sequence numbers.
// If tail is true, bad bytes at the end that no good frame follows are a torn
// write: reported, not an error. Anything else bad is ErrCorrupt, naming the
// segment and offset.
func scanSegment(name string, data []byte, tail bool) (*scanned, error) {
	hdr, err := parseSegHeader(data)
	if err != nil {
		if errors.Is(err, ErrVersion) {
			return nil, fmt.Errorf("segment %s: %w", name, err)
		}
		if tail && (errors.Is(err, errShort) || allZero(data)) {
			return &scanned{torn: true}, nil
		}
		return nil, fmt.Errorf("%w: segment %s: bad header", ErrCorrupt, name)
	}
	s := &scanned{hdr: hdr, end: segHeaderSize}
	return s, scanFrames(name, data[segHeaderSize:], segHeaderSize, hdr.first, tail, s)
}

// scanFrames scans data, the bytes of segment name from offset base on,
// whose first frame must start at seq want, adding what it finds to s.
func scanFrames(name string, data []byte, base int64, want uint64, tail bool, s *scanned) error {
	for off := int64(0); off < int64(len(data)); {
		fh, _, err := parseFrame(data[off:])
		if err == nil && fh.first != want {
			return fmt.Errorf("%w: segment %s offset %d: frame starts at seq %d, want %d",
				ErrCorrupt, name, base+off, fh.first, want)
		}
		if err != nil {
			if tail && !goodFrameAfter(data, off, want) {
				s.torn = true
				return nil
			}
			return fmt.Errorf("%w: segment %s offset %d: frame checksum or length is wrong",
				ErrCorrupt, name, base+off)
		}
		s.frames = append(s.frames, frameRef{off: base + off, hdr: fh})
		want = fh.first + uint64(fh.count)
		off += fh.frameLen()
		s.end = base + off
	}
	return nil
}

// goodFrameAfter reports whether a whole, checksummed frame with a plausible
// sequence number starts anywhere after off. If one does, the bad bytes at
// off are damage in the middle of the log, not a torn last write.
func goodFrameAfter(data []byte, off int64, want uint64) bool {
	for o := off + frameAlign; o+frameHeaderSize <= int64(len(data)); o += frameAlign {
		if fh, _, err := parseFrame(data[o:]); err == nil && fh.first >= want {
			return true
		}
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// syncDir makes a directory's entries (a created, renamed or removed file)
// durable.
func syncDir(dir string) error { return atomicfile.SyncDir(dir) }

// writeFileAtomic publishes data at path (0600): a crash leaves the old file
// or the new one, never half, and a temporary NAME.*.tmp that Open removes.
func writeFileAtomic(path string, data []byte) error {
	return atomicfile.Write(path, filepath.Base(path)+".*.tmp", 0o600, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}
