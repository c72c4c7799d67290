package events

import (
	"context"
	"fmt"
)

// Report is what Verify found in a whole log.
type Report struct {
	Segments int    `json:"segments"`
	Frames   int    `json:"frames"`
	Events   uint64 `json:"events"`
	Last     uint64 `json:"last_seq"`
	Head     Hash   `json:"-"`
	HeadHex  string `json:"head"`
	// Torn lists torn writes at the end of the log: cut by a writer (and
	// where it saved them) or still there. They are not damage: nothing in
	// them was acknowledged.
	Torn []Torn `json:"torn,omitempty"`
}

// Verify reads the whole log and checks every frame's checksum, that
// sequence numbers are dense, that every record decodes, and that each
// frame's chain value is the hash of everything before it. Damage is an
// error wrapping ErrCorrupt that names the segment and offset.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	var r Report
	d := NewDecoder()
	var e Event
	seen := ""
	head := Hash{}
	err := l.walk(ctx, 0, canonical, func(name string, fr frameRef, recs []byte) error {
		if name != seen {
			seen = name
			r.Segments++
		}
		r.Frames++
		if fr.hdr.prev != head {
			return fmt.Errorf("%w: segment %s offset %d: chain broken (frame names %.12s…, log hashes to %.12s…)",
				ErrCorrupt, name, fr.off, fr.hdr.prev, head)
		}
		for n := uint32(0); n < fr.hdr.count; n++ {
			rec, rest, err := nextRecord(recs)
			if err == nil {
				err = d.Decode(rec, &e)
			}
			if err == nil && e.Seq != fr.hdr.first+uint64(n) {
				err = fmt.Errorf("record holds seq %d, want %d", e.Seq, fr.hdr.first+uint64(n))
			}
			if err != nil {
				return fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, name, fr.off, err)
			}
			head = chainNext(head, rec)
			recs = rest
			r.Events++
			r.Last = e.Seq
		}
		return nil
	})
	r.Head, r.HeadHex = head, head.String()
	if err != nil {
		return r, err
	}
	if r.Torn, err = l.TornCuts(); err != nil {
		return r, err
	}
	t, err := l.TornTail()
	if t != nil {
		r.Torn = append(r.Torn, *t)
	}
	return r, err
}
