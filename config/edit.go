package config

import (
	"bytes"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// Set returns data with the value at a dotted key changed, keeping every
// comment and the layout. value is TOML value syntax ("90s" with quotes, 5,
// ["a", "b"]); text that is not a single TOML value, like a bare 90s, is
// taken as a string. An existing value is replaced in place; a missing key
// is added as the last line of its table, and a missing table (like
// [drones.x]) is added at the end of the file.
//
// The result must Parse, so a bad value is refused with the same error Load
// would give; on any error Set returns nil and data is not modified. data
// itself need only be valid TOML, so Set can repair a file that fails Parse
// for one bad value.
func Set(data []byte, key, value string) ([]byte, error) {
	path, err := splitKey(key)
	if err != nil {
		return nil, err
	}
	t, ok := typeAt(path)
	if !ok {
		return nil, unknownKey(path)
	}
	if isTable(t) {
		return nil, &Error{Key: key, Msg: "is a table; set one of its keys", Kind: ErrTable}
	}
	entries, err := scan(data, nil)
	if err != nil {
		return nil, inFile(err, FileName, nil)
	}
	out := setText(data, entries, path, valueText(value))
	if _, err := Parse(out); err != nil {
		return nil, err
	}
	return out, nil
}

// valueText returns value if it is exactly one TOML value, else value quoted
// as a TOML string.
func valueText(value string) string {
	v := strings.TrimSpace(value)
	doc := []byte("v = " + v + "\n")
	var p unstable.Parser
	p.Reset(doc)
	if !p.NextExpression() {
		return quote(value)
	}
	kv := p.Expression()
	single := kv.Kind == unstable.KeyValue && int(kv.Raw.Offset+kv.Raw.Length) == len(doc)-1
	if !single || p.NextExpression() || p.Error() != nil {
		return quote(value)
	}
	return v
}

// setText replaces or inserts key = text. It builds a new slice; data is
// never written to.
func setText(data []byte, entries []entry, path []string, text string) []byte {
	if e := find(entries, path); e != nil {
		return splice(data, e.valStart, e.valEnd, text)
	}
	table := path[:len(path)-1]
	nl := newline(data)
	if e := lastIn(entries, table); e != nil {
		line := data[e.start:e.end]
		indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
		kv := string(indent) + joinKey(path[len(e.table):]) + " = " + text
		return insertLine(data, e.end, kv, nl)
	}
	if h := findHeader(entries, table); h != nil {
		return insertLine(data, h.end, joinKey(path[len(table):])+" = "+text, nl)
	}
	var b bytes.Buffer
	b.Write(data)
	if len(data) > 0 {
		if data[len(data)-1] != '\n' {
			b.WriteString(nl)
		}
		b.WriteString(nl)
	}
	b.WriteString("[" + joinKey(table) + "]" + nl + joinKey(path[len(table):]) + " = " + text + nl)
	return b.Bytes()
}

// lastIn returns the last key/value directly in table, wherever it is
// written (under [table], or as a dotted key under a parent), or nil.
func lastIn(entries []entry, table []string) *entry {
	for i := len(entries) - 1; i >= 0; i-- {
		e := &entries[i]
		if !e.header && slices.Equal(e.path[:len(e.path)-1], table) && !inArrayTable(entries, i) {
			return e
		}
	}
	return nil
}

// inArrayTable reports whether entry i sits under a [[header]].
func inArrayTable(entries []entry, i int) bool {
	for j := i - 1; j >= 0; j-- {
		if entries[j].header {
			return entries[j].array
		}
	}
	return false
}

func findHeader(entries []entry, table []string) *entry {
	for i := range entries {
		if e := &entries[i]; e.header && !e.array && slices.Equal(e.path, table) {
			return e
		}
	}
	return nil
}

// newline returns the file's line ending, so an edit does not mix them.
func newline(data []byte) string {
	if bytes.Contains(data, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}

func splice(data []byte, from, to int, text string) []byte {
	out := make([]byte, 0, len(data)-(to-from)+len(text))
	out = append(out, data[:from]...)
	out = append(out, text...)
	return append(out, data[to:]...)
}

// insertLine inserts line before offset at, which starts a line or is the
// end of data.
func insertLine(data []byte, at int, line, nl string) []byte {
	if at == len(data) && at > 0 && data[at-1] != '\n' {
		line = nl + line
	}
	return splice(data, at, at, line+nl)
}
