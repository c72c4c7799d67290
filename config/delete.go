package config

import (
	"bytes"
	"slices"
)

// Delete returns data without the table or key at a dotted key: for a table
// like drones.x (`swarm drones remove x`), its [drones.x] header, every line
// up to its last key, sub-tables, and dotted keys elsewhere that fall inside
// it; for a key like farm.lease, its line, so the default applies again.
// Comments between the table's last key and the next table belong to the
// next table and stay, as do all other comments except a comment block set
// apart directly above the removed table's header. One blank line next to a
// removed table goes with it, so Delete undoes a Set that added the table.
//
// The result must Parse; on any error Delete returns nil and data is not
// modified. A key the file does not contain is an ErrUnknownKey *Error.
func Delete(data []byte, key string) ([]byte, error) {
	path, err := splitKey(key)
	if err != nil {
		return nil, err
	}
	entries, err := scan(data, nil)
	if err != nil {
		return nil, inFile(err, FileName, nil)
	}
	spans := deletions(data, entries, path)
	if len(spans) == 0 {
		return nil, &Error{Key: key, Msg: "not in the file", Kind: ErrUnknownKey}
	}
	out := cut(data, spans)
	if _, err := Parse(out); err != nil {
		return nil, err
	}
	return out, nil
}

type span struct{ from, to int }

// deletions returns, in order, the byte ranges to remove for path.
func deletions(data []byte, entries []entry, path []string) []span {
	var spans []span
	for i := 0; i < len(entries); i++ {
		e := entries[i]
		if len(e.path) < len(path) || !slices.Equal(e.path[:len(path)], path) {
			continue
		}
		if !e.header {
			spans = append(spans, span{e.start, e.end})
			continue
		}
		floor := 0 // comments above the header start after the previous expression
		if i > 0 {
			floor = entries[i-1].end
		}
		end := e.end
		for i+1 < len(entries) && !entries[i+1].header {
			i++
			end = entries[i].end
		}
		spans = append(spans, withBlankLine(data, span{withComment(data, floor, e.start), end}))
	}
	return spans
}

// withComment widens a removed table's start to the comment block directly
// above its header, when a blank line (or the start of the file) sets that
// block apart: it documents this table. A comment right under another key is
// left alone, since it may be about that key.
func withComment(data []byte, floor, start int) int {
	from := start
	for from > floor {
		prev := lineStart(data, from-1)
		line := bytes.TrimLeft(data[prev:from], " \t")
		if !bytes.HasPrefix(line, []byte("#")) {
			break
		}
		from = prev
	}
	if from == 0 || from > floor && isBlank(data[lineStart(data, from-1):from]) {
		return from
	}
	return start
}

// withBlankLine widens a removed table by the blank line before it, or else
// the one after it, so tables stay one blank line apart.
func withBlankLine(data []byte, s span) span {
	if s.from > 0 {
		prev := lineStart(data, s.from-1)
		if isBlank(data[prev:s.from]) {
			return span{prev, s.to}
		}
	}
	if s.to < len(data) {
		if next := lineEnd(data, s.to); isBlank(data[s.to:next]) {
			return span{s.from, next}
		}
	}
	return s
}

func isBlank(line []byte) bool {
	return len(bytes.Trim(line, " \t\r\n")) == 0
}

// cut returns data without the spans, which are in order and may touch.
func cut(data []byte, spans []span) []byte {
	out := make([]byte, 0, len(data))
	at := 0
	for _, s := range spans {
		from := max(s.from, at)
		out = append(out, data[at:from]...)
		at = max(at, s.to)
	}
	return append(out, data[at:]...)
}
