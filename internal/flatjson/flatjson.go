// Package flatjson writes and reads the few small JSON objects that a drone
// and the orchestrator exchange on every build (a claim and its answer, a
// completion and its acknowledgement) without reflection.
//
// encoding/json was about a tenth of the CPU of a claim and completion on
// both ends (issue 10): reflection over four small structs, a validity
// scan before every decode, an encoder per answer. The writers here append
// exactly the bytes json.Marshal would (the tests compare them), so a
// reader sees no difference. The Reader accepts only a narrow shape of
// object, the one these writers produce; anything else (spaces, escapes,
// keys it does not know, a number with a fraction) makes it fail, and the
// caller decodes the same bytes with encoding/json. It never accepts what
// encoding/json would read differently, so the answers to every request
// stay encoding/json's.
package flatjson

import (
	"math"
	"strconv"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// AppendString appends s as json.Marshal writes a string: HTML-safe, with
// invalid UTF-8 as U+FFFD and U+2028 and U+2029 escaped.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendKey appends a key and its colon, with the comma before it unless
// it is the object's first.
func AppendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = AppendString(b, key)
	return append(b, ':')
}

// AppendUint and AppendInt append a number as json.Marshal does.
func AppendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }
func AppendInt(b []byte, v int64) []byte   { return strconv.AppendInt(b, v, 10) }

// maxKeys is the most keys a Reader's object may have: the messages it
// reads have at most five.
const maxKeys = 8

// Reader reads one JSON object of the narrow shape, key by key:
//
//	var r flatjson.Reader
//	r.Reset(data)
//	for r.Next() {
//		switch string(r.Key()) {
//		case "atom":
//			v.Atom = r.String()
//		default:
//			r.Fail() // encoding/json ignores it: let it
//		}
//	}
//	if !r.Done() { /* decode data with encoding/json */ }
//
// The shape: no whitespace (but one newline after the object, as
// json.Encoder writes it), each key once, keys and strings of printable
// ASCII without escapes, integers without sign (Int: an optional minus),
// fraction or exponent and within their type, null where the caller asks
// for it, objects nested by Nested.
type Reader struct {
	data   []byte
	i      int
	failed bool
	state  uint8 // readStart, readKey (after a key), readValue (after a value), readClosed
	nested bool
	key    []byte
	keys   [maxKeys][]byte
	nkeys  int
}

const (
	readStart uint8 = iota
	readKey
	readValue
	readClosed
)

// Reset makes r read data from its start.
func (r *Reader) Reset(data []byte) { *r = Reader{data: data} }

// Fail marks the object as not of the narrow shape.
func (r *Reader) Fail() { r.failed = true }

// Next moves to the next key, reporting false at the object's end or once
// it failed. After a true, read the key's value with one of String, Uint,
// Int, Null or Nested, or call Fail.
func (r *Reader) Next() bool {
	if r.failed {
		return false
	}
	switch r.state {
	case readStart:
		if !r.eat('{') {
			return r.fail()
		}
		if r.eat('}') {
			r.state = readClosed
			return false
		}
	case readValue:
		if r.eat('}') {
			r.state = readClosed
			return false
		}
		if !r.eat(',') {
			return r.fail()
		}
	default: // a key whose value was not read, or the end already reached
		return r.fail()
	}
	key, ok := r.plain()
	if !ok || !r.eat(':') || r.nkeys == maxKeys {
		return r.fail()
	}
	for _, k := range r.keys[:r.nkeys] {
		if string(k) == string(key) {
			return r.fail() // encoding/json keeps the last: not this reader's shape
		}
	}
	r.keys[r.nkeys] = key
	r.nkeys++
	r.key, r.state = key, readKey
	return true
}

// Key is the key Next moved to (valid until the next Reset).
func (r *Reader) Key() []byte { return r.key }

// String reads the value as a string.
func (r *Reader) String() string {
	if !r.value() {
		return ""
	}
	s, ok := r.plain()
	if !ok {
		r.fail()
		return ""
	}
	return string(s)
}

// Uint reads the value as an unsigned integer of at most max.
func (r *Reader) Uint(max uint64) uint64 {
	if !r.value() {
		return 0
	}
	v, ok := r.digits(max)
	if !ok {
		r.fail()
	}
	return v
}

// Int reads the value as an integer within int64.
func (r *Reader) Int() int64 {
	if !r.value() {
		return 0
	}
	if r.eat('-') {
		v, ok := r.digits(math.MaxInt64 + 1)
		if !ok || v == 0 { // "-0": encoding/json reads 0; not worth the case
			r.fail()
			return 0
		}
		return int64(-v) // -(MaxInt64+1) wraps to MinInt64, as wanted
	}
	v, ok := r.digits(math.MaxInt64)
	if !ok {
		r.fail()
	}
	return int64(v)
}

// Null reads the value if it is null, reporting whether it was; otherwise
// the value is still to be read.
func (r *Reader) Null() bool {
	if r.failed || r.state != readKey {
		return false
	}
	if len(r.data)-r.i >= 4 && string(r.data[r.i:r.i+4]) == "null" {
		r.i += 4
		r.state = readValue
		return true
	}
	return false
}

// Nested returns a Reader for the value, an object, from its start; read
// it with Next and then hand it back with Resume.
func (r *Reader) Nested() Reader {
	if !r.value() {
		return Reader{failed: true}
	}
	return Reader{data: r.data, i: r.i, nested: true}
}

// Resume moves r past the nested object n read to its end.
func (r *Reader) Resume(n *Reader) {
	if n.failed || n.state != readClosed {
		r.fail()
		return
	}
	r.i = n.i
}

// Done reports whether the whole data was one object of the narrow shape,
// read to its end.
func (r *Reader) Done() bool {
	if r.failed || r.state != readClosed || r.nested {
		return false
	}
	rest := r.data[r.i:]
	return len(rest) == 0 || (len(rest) == 1 && rest[0] == '\n')
}

func (r *Reader) fail() bool {
	r.failed = true
	return false
}

// value checks that a key waits for its value and marks it read.
func (r *Reader) value() bool {
	if r.failed || r.state != readKey {
		r.fail()
		return false
	}
	r.state = readValue
	return true
}

func (r *Reader) eat(c byte) bool {
	if r.i < len(r.data) && r.data[r.i] == c {
		r.i++
		return true
	}
	return false
}

// plain reads a string of printable ASCII without escapes, quotes and all.
func (r *Reader) plain() ([]byte, bool) {
	if !r.eat('"') {
		return nil, false
	}
	start := r.i
	for ; r.i < len(r.data); r.i++ {
		switch c := r.data[r.i]; {
		case c == '"':
			s := r.data[start:r.i]
			r.i++
			return s, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// digits reads an unsigned integer without leading zeros of at most max.
func (r *Reader) digits(max uint64) (uint64, bool) {
	start := r.i
	var v uint64
	for r.i < len(r.data) && r.data[r.i] >= '0' && r.data[r.i] <= '9' {
		d := uint64(r.data[r.i] - '0')
		if v > (max-d)/10 {
			return 0, false
		}
		v = v*10 + d
		r.i++
	}
	n := r.i - start
	if n == 0 || (n > 1 && r.data[start] == '0') {
		return 0, false
	}
	return v, true
}
