package config

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2/unstable"
)

// The schema of config.toml is the Config type itself: its toml tags name the
// keys, and maps (drones, remotes) accept any key. Checking a document against
// it before decoding gives every type error a key and a line, and keeps the
// messages in the operator's terms ("is not a duration") rather than Go's.

var (
	configType   = reflect.TypeFor[Config]()
	durationType = reflect.TypeFor[Duration]()
)

// isTable reports whether t is held by a TOML table rather than a value.
func isTable(t reflect.Type) bool {
	return t.Kind() == reflect.Map || (t.Kind() == reflect.Struct && t != durationType)
}

// typeAt returns the type that holds the value at path, or false if the
// configuration has no such key.
func typeAt(path []string) (reflect.Type, bool) {
	t := configType
	for _, part := range path {
		switch {
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case isTable(t):
			f, ok := fieldByKey(t, part)
			if !ok {
				return nil, false
			}
			t = f.Type
		default:
			return nil, false
		}
	}
	return t, true
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); tomlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// knownKeys describes the keys of the table enclosing path, for the message
// about an unknown key.
func knownKeys(path []string) string {
	if len(path) == 0 {
		return ""
	}
	parent := path[:len(path)-1]
	t, ok := typeAt(parent)
	if !ok || t.Kind() != reflect.Struct || t == durationType {
		return ""
	}
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = tomlName(t.Field(i))
	}
	where := "the tables are "
	if len(parent) > 0 {
		where = strings.Join(parent, ".") + " has "
	}
	return where + strings.Join(names, ", ")
}

// checkEntry is a visitFunc that checks one expression against the schema.
func checkEntry(data []byte) visitFunc {
	return func(e *entry, value *unstable.Node) error {
		t, ok := typeAt(e.path)
		switch {
		case !ok:
			err := unknownKey(e.path)
			err.Line = e.line
			return err
		case e.header && e.array:
			return lined(badValue(join(e.path), "is not an array of tables; write [%s]", join(e.path)), e.line)
		case e.header && !isTable(t):
			return lined(badValue(join(e.path), "is a value, not a table"), e.line)
		case e.header:
			return nil
		}
		raw := string(data[e.valStart:e.valEnd])
		if err := checkValue(data, e.path, t, value, raw); err != nil {
			return lined(err, e.line)
		}
		return nil
	}
}

// checkValue checks that n, whose text is raw, fits type t at path. Inline
// tables are checked key by key.
func checkValue(data []byte, path []string, t reflect.Type, n *unstable.Node, raw string) *Error {
	if !isTable(t) || n.Kind != unstable.InlineTable {
		if fits(t, n) {
			return nil
		}
		return badValue(join(path), "%s is not %s", shorten(raw), describe(t))
	}
	for it := n.Children(); it.Next(); {
		kv := it.Node()
		if kv.Kind != unstable.KeyValue {
			continue
		}
		key, _, _ := keyPath(kv.Key())
		sub := append(path[:len(path):len(path)], key...)
		st, ok := typeAt(sub)
		if !ok {
			return unknownKey(sub)
		}
		if err := checkValue(data, sub, st, kv.Value(), nodeText(data, kv.Value())); err != nil {
			return err
		}
	}
	return nil
}

// fits reports whether a value node can be decoded into t.
func fits(t reflect.Type, n *unstable.Node) bool {
	switch {
	case t == durationType:
		return n.Kind == unstable.String && new(Duration).UnmarshalText(n.Data) == nil
	case isTable(t):
		return n.Kind == unstable.InlineTable
	}
	switch t.Kind() {
	case reflect.String:
		return n.Kind == unstable.String
	case reflect.Int, reflect.Int64:
		return n.Kind == unstable.Integer
	case reflect.Float64:
		return n.Kind == unstable.Float || n.Kind == unstable.Integer
	case reflect.Bool:
		return n.Kind == unstable.Bool
	case reflect.Slice:
		if n.Kind != unstable.Array {
			return false
		}
		for it := n.Children(); it.Next(); {
			if c := it.Node(); c.Kind != unstable.Comment && !fits(t.Elem(), c) {
				return false
			}
		}
		return true
	}
	return false
}

// describe names what a value of type t looks like, for error messages.
func describe(t reflect.Type) string {
	switch {
	case t == durationType:
		return `a duration (like "60s")`
	case isTable(t):
		return "a table"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return "a whole number"
	case t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Slice:
		return `a list of commands (like [["emerge", "--sync"]])`
	case t.Kind() == reflect.Slice:
		return `a list of strings (like ["a", "b"])`
	}
	return t.String()
}

// nodeText returns the source text of a value node, or a description of it
// where the parser keeps no range (arrays).
func nodeText(data []byte, n *unstable.Node) string {
	if n.Raw.Length > 0 && int(n.Raw.Offset+n.Raw.Length) <= len(data) {
		return string(data[n.Raw.Offset : n.Raw.Offset+n.Raw.Length])
	}
	return fmt.Sprintf("a TOML %s", strings.ToLower(n.Kind.String()))
}

// shorten makes a value's text fit on one line of an error message.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:39]) + "…"
	}
	return s
}

func join(path []string) string { return strings.Join(path, ".") }

func lined(e *Error, line int) *Error {
	e.Line = line
	return e
}
