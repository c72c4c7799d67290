package events

import (
	"fmt"
	"path/filepath"
)

// LastSeq returns the seq of the log's last whole event (0 for an empty
// log) from the frame headers of its newest segment: every frame's length
// and checksum are checked, as a read does, but no record is decoded, so
// opening a log of a million events does not read them all to learn where
// it ends. A newest segment whose header was torn (a crash while starting
// it) holds nothing; the one before it then ends the log.
func (l *Log) LastSeq() (uint64, error) {
	names, err := listSegments(l.dir)
	if err != nil {
		return 0, err
	}
	for i := len(names) - 1; i >= 0; i-- {
		name := names[i]
		data, _, err := readSegment(filepath.Join(l.dir, name))
		if err != nil {
			return 0, fmt.Errorf("read segment %s: %w", name, err)
		}
		s, err := scanSegment(name, data, i == len(names)-1)
		if err != nil {
			return 0, err
		}
		if s.hdr.first == 0 { // a torn header on the newest segment
			continue
		}
		return s.next() - 1, nil
	}
	return 0, nil
}
