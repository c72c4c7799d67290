package config

import (
	"bytes"
	"errors"
	"slices"

	"github.com/pelletier/go-toml/v2/unstable"
)

// entry is one top-level expression of a TOML document, a [table] header or a
// key = value, with the byte offsets that Get, Set and Delete work with.
// Comments are not entries: they stay in the text around them.
type entry struct {
	header   bool          // a [table] or [[table]] header rather than a key/value
	array    bool          // a [[table]] header
	path     []string      // full dotted path: the header's, or table + key
	table    []string      // the table the expression belongs to (a header: its own)
	kind     unstable.Kind // kind of the value (key/values only)
	start    int           // first byte of the expression's first line
	end      int           // just past the newline ending its last line (or len(data))
	valStart int           // the value's text is data[valStart:valEnd] (key/values only)
	valEnd   int
	line     int // 1-based line of the key
}

// visitFunc is called for each entry while the parser's nodes are valid;
// value is the value node of a key/value and nil for a header. An error stops
// the scan and is returned by it.
type visitFunc func(e *entry, value *unstable.Node) error

// scan lists the top-level expressions of data in order, calling visit (if
// not nil) on each. A syntax error is returned as an *Error wrapping
// ErrSyntax, with its line.
func scan(data []byte, visit visitFunc) ([]entry, error) {
	var p unstable.Parser
	p.Reset(data)
	var entries []entry
	var table []string
	lines := lineCounter{data: data, line: 1}
	for p.NextExpression() {
		n := p.Expression()
		var e entry
		var value *unstable.Node
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			e = headerEntry(data, n)
			table = e.path
		case unstable.KeyValue:
			e = keyValueEntry(data, n, table)
			value = n.Value()
		default:
			continue
		}
		e.line = lines.at(e.start)
		if visit != nil {
			if err := visit(&e, value); err != nil {
				return nil, err
			}
		}
		entries = append(entries, e)
	}
	if err := p.Error(); err != nil {
		return nil, syntaxError(data, err)
	}
	return entries, nil
}

func headerEntry(data []byte, n *unstable.Node) entry {
	path, keyStart, keyEnd := keyPath(n.Key())
	return entry{
		header: true,
		array:  n.Kind == unstable.ArrayTable,
		path:   path,
		table:  path,
		start:  lineStart(data, keyStart),
		end:    lineEnd(data, keyEnd),
	}
}

func keyValueEntry(data []byte, n *unstable.Node, table []string) entry {
	key, keyStart, keyEnd := keyPath(n.Key())
	valEnd := int(n.Raw.Offset + n.Raw.Length)
	return entry{
		path:     append(slices.Clip(table), key...),
		table:    table,
		kind:     n.Value().Kind,
		start:    lineStart(data, keyStart),
		end:      lineEnd(data, valEnd),
		valStart: valueStart(data, keyEnd, valEnd),
		valEnd:   valEnd,
	}
}

// keyPath returns the parts of a dotted key and the offsets of its first and
// just past its last byte.
func keyPath(it unstable.Iterator) (parts []string, start, end int) {
	start = -1
	for it.Next() {
		k := it.Node()
		parts = append(parts, string(k.Data))
		if start < 0 {
			start = int(k.Raw.Offset)
		}
		end = int(k.Raw.Offset + k.Raw.Length)
	}
	return parts, max(start, 0), end
}

// valueStart skips the " = " between a key ending at keyEnd and its value.
func valueStart(data []byte, keyEnd, valEnd int) int {
	i := keyEnd
	for i < valEnd && (data[i] == ' ' || data[i] == '\t' || data[i] == '=') {
		i++
	}
	return i
}

// lineStart returns the offset of the first byte of the line holding off.
func lineStart(data []byte, off int) int {
	return bytes.LastIndexByte(data[:off], '\n') + 1
}

// lineEnd returns the offset just past the newline ending the line holding
// off, or len(data) on the last line.
func lineEnd(data []byte, off int) int {
	if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(data)
}

// lineCounter turns increasing offsets into line numbers in one pass.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (c *lineCounter) at(off int) int {
	if off < c.off {
		c.off, c.line = 0, 1
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}

// syntaxError turns a parser error into an *Error with the line it points at.
func syntaxError(data []byte, err error) error {
	var pe *unstable.ParserError
	if !errors.As(err, &pe) {
		return &Error{Msg: err.Error(), Kind: ErrSyntax}
	}
	// A highlight is a subslice of data: its offset is the difference of the
	// capacities. Clamp, in case one is not.
	off := min(max(cap(data)-cap(pe.Highlight), 0), len(data))
	c := lineCounter{data: data, line: 1}
	return &Error{Line: c.at(off), Msg: pe.Message, Kind: ErrSyntax}
}

// find returns the key/value entry with exactly this path, or nil.
func find(entries []entry, path []string) *entry {
	for i := range entries {
		if !entries[i].header && slices.Equal(entries[i].path, path) {
			return &entries[i]
		}
	}
	return nil
}

// lineOf returns the line that best locates path: its key/value, else the
// header or key/value of its nearest enclosing table, else 0.
func lineOf(entries []entry, path []string) int {
	for n := len(path); n > 0; n-- {
		for _, e := range entries {
			if slices.Equal(e.path, path[:n]) {
				return e.line
			}
		}
	}
	return 0
}
