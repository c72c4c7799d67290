package events

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/swarm-build/swarm/internal/flock"
)

// Torn is a torn write at the end of the log: bytes after the last whole
// frame of the newest segment, still there (Cut false) or cut by a writer
// that saved them beside the segment (Cut true, Saved their path).
type Torn struct {
	Segment string `json:"segment"`
	Offset  int64  `json:"offset"`
	Bytes   int64  `json:"bytes"`
	Cut     bool   `json:"cut"`
	Saved   string `json:"saved,omitempty"`
}

// String says what happened in one line.
func (t Torn) String() string {
	if t.Cut {
		return fmt.Sprintf("a torn write of %d bytes was cut from segment %s at offset %d; saved copy: %s",
			t.Bytes, t.Segment, t.Offset, t.Saved)
	}
	return fmt.Sprintf("segment %s ends in %d bytes after offset %d that are not a whole frame "+
		"(damage, or a write cut short): they are ignored, and the next writer cuts them", t.Segment, t.Bytes, t.Offset)
}

// TornTail reports bytes at the end of the newest segment that are not a
// whole frame, or nil. A reader sees such bytes also while a writer is in
// the middle of a write, so when it finds some it looks again holding the
// log's lock shared: writers hold it exclusively while they write.
func (l *Log) TornTail() (*Torn, error) {
	t, err := l.tornTail()
	if t == nil || err != nil || !l.opts.ReadOnly {
		return t, err
	}
	path := filepath.Join(l.dir, "LOCK")
	if _, err := os.Stat(path); err != nil {
		return t, nil // no writer ever opened this log
	}
	lk, err := flock.Open(path)
	if err != nil {
		return t, nil
	}
	defer lk.Close()
	_ = lk.RLock() // without it, look again all the same
	return l.tornTail()
}

func (l *Log) tornTail() (*Torn, error) {
	names, err := listSegments(l.dir)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	name := names[len(names)-1]
	path := filepath.Join(l.dir, name)
	// The read that came before (a Replay) has scanned this segment: if it
	// ended at the file's end, nothing is torn, and a stat says so without
	// reading the segment again on every status call (a stat and the
	// read of a frame header: the file might be another on the same inode).
	l.tailMu.Lock()
	c := l.tailc
	l.tailMu.Unlock()
	if c.name == name && c.holdsWhole(path) {
		return nil, nil
	}
	data, _, err := readSegment(path)
	if err != nil {
		return nil, fmt.Errorf("read segment %s: %w", name, err)
	}
	s, err := scanSegment(name, data, true)
	if err != nil || !s.torn {
		return nil, err
	}
	return &Torn{Segment: name, Offset: s.end, Bytes: int64(len(data)) - s.end}, nil
}

// TornCuts lists the torn writes writers cut from the log and saved beside
// their segments (NAME.seg.torn-OFFSET), in name order.
func (l *Log) TornCuts() ([]Torn, error) {
	paths, err := filepath.Glob(filepath.Join(l.dir, "*"+segSuffix+".torn-*"))
	if err != nil {
		return nil, err
	}
	var out []Torn
	for _, p := range paths {
		seg, off, _ := strings.Cut(filepath.Base(p), ".torn-")
		offset, err := strconv.ParseInt(off, 10, 64)
		fi, serr := os.Stat(p)
		if err != nil || serr != nil {
			continue
		}
		out = append(out, Torn{Segment: seg, Offset: offset, Bytes: fi.Size(), Cut: true, Saved: p})
	}
	return out, nil
}
