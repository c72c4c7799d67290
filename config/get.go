package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Get returns the TOML text of the value at a dotted key, as in
// `swarm config get farm.lease` → "60s" (quotes included). The text is the
// file's own when the file sets the key, else the template's default. A key
// naming a table ("farm", "drones.x", "drones") prints the table's keys as
// TOML lines, with sub-tables under [full.path] headers. data must Parse; an
// unknown key is an *Error wrapping ErrUnknownKey.
func Get(data []byte, key string) (string, error) {
	cfg, err := Parse(data)
	if err != nil {
		return "", err
	}
	path, err := splitKey(key)
	if err != nil {
		return "", err
	}
	v, ok := valueAt(reflect.ValueOf(cfg), path)
	if !ok {
		return "", unknownKey(path)
	}
	entries, err := scan(data, nil)
	if err != nil {
		return "", err
	}
	g := getter{data: data, entries: entries}
	if isTable(v.Type()) {
		return strings.TrimSuffix(g.table(path, v), "\n"), nil
	}
	return g.leaf(path, v), nil
}

// splitKey splits a dotted key as TOML does: a part may be quoted, "…"
// (with \" and \\ escapes) or '…', to hold dots or other characters, as in
// capabilities.packages."dev-lang/python-3.12*". Drone ids and remote names
// hold no dots (see validID), so they need no quotes.
func splitKey(key string) ([]string, error) {
	bad := &Error{Key: key, Msg: "not a dotted key (like farm.lease, or a.\"quoted.part\")", Kind: ErrUnknownKey}
	var path []string
	for rest := key; ; {
		var part string
		switch {
		case strings.HasPrefix(rest, `"`):
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return nil, bad
			}
			part, rest = b.String(), rest[i+1:]
		case strings.HasPrefix(rest, "'"):
			end := strings.IndexByte(rest[1:], '\'')
			if end < 0 {
				return nil, bad
			}
			part, rest = rest[1:1+end], rest[2+end:]
		default:
			end := strings.IndexByte(rest, '.')
			if end < 0 {
				end = len(rest)
			}
			part, rest = rest[:end], rest[end:]
			if part == "" || strings.ContainsAny(part, `"'`) {
				return nil, bad
			}
		}
		path = append(path, part)
		if rest == "" {
			return path, nil
		}
		if rest[0] != '.' || len(rest) == 1 {
			return nil, bad
		}
		rest = rest[1:]
	}
}

// valueAt follows path through structs (by toml tag) and maps.
func valueAt(v reflect.Value, path []string) (reflect.Value, bool) {
	for _, part := range path {
		switch {
		case v.Kind() == reflect.Map:
			v = v.MapIndex(reflect.ValueOf(part))
			if !v.IsValid() {
				return v, false
			}
		case isTable(v.Type()):
			f, ok := fieldByKey(v.Type(), part)
			if !ok {
				return reflect.Value{}, false
			}
			v = v.FieldByIndex(f.Index)
		default:
			return reflect.Value{}, false
		}
	}
	return v, true
}

type getter struct {
	data    []byte
	entries []entry
}

// leaf returns the text of one value: the file's, the template's, or else
// (keys neither writes, like a drone's cores) formatted from v.
func (g getter) leaf(path []string, v reflect.Value) string {
	if e := find(g.entries, path); e != nil {
		return string(g.data[e.valStart:e.valEnd])
	}
	if e := find(templateEntries(), path); e != nil {
		return string(defaultTOML[e.valStart:e.valEnd])
	}
	return format(v)
}

// table prints the keys of a table, then its sub-tables under headers.
func (g getter) table(path []string, v reflect.Value) string {
	var b strings.Builder
	if v.Kind() == reflect.Map && !isTable(v.Type().Elem()) { // a table of values: [capabilities.use]
		for _, name := range sortedKeys(mapKeys(v)) {
			sub := append(path[:len(path):len(path)], name)
			fmt.Fprintf(&b, "%s = %s\n", joinKey([]string{name}), g.leaf(sub, v.MapIndex(reflect.ValueOf(name))))
		}
		return b.String()
	}
	if v.Kind() == reflect.Map {
		for i, name := range sortedKeys(mapKeys(v)) {
			sub := append(path[:len(path):len(path)], name)
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "[%s]\n%s", joinKey(sub), g.table(sub, v.MapIndex(reflect.ValueOf(name))))
		}
		return b.String()
	}
	for i := range v.NumField() {
		f := v.Type().Field(i)
		sub := append(path[:len(path):len(path)], tomlName(f))
		if isTable(f.Type) {
			fmt.Fprintf(&b, "[%s]\n%s", joinKey(sub), g.table(sub, v.Field(i)))
			continue
		}
		fmt.Fprintf(&b, "%s = %s\n", joinKey(sub[len(path):]), g.leaf(sub, v.Field(i)))
	}
	return b.String()
}

func mapKeys(v reflect.Value) map[string]struct{} {
	keys := make(map[string]struct{}, v.Len())
	for _, k := range v.MapKeys() {
		keys[k.String()] = struct{}{}
	}
	return keys
}

// TOMLValue writes v (a string, integer, float, bool, Duration, or a slice of
// those) as TOML value text for Set, quoting and escaping as needed:
// TOMLValue([]string{"amd64", "big \"disk\""}) is ["amd64", "big \"disk\""].
// Callers building a value from user input use it rather than gluing quotes.
func TOMLValue(v any) string {
	return format(reflect.ValueOf(v))
}

// format writes a value of the configuration as TOML.
func format(v reflect.Value) string {
	if !v.IsValid() {
		return `""`
	}
	if v.Type() == durationType {
		return quote(v.Interface().(Duration).String())
	}
	switch v.Kind() {
	case reflect.String:
		return quote(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return formatFloat(v.Float())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Slice, reflect.Array:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = format(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return quote(fmt.Sprint(v.Interface()))
}

// formatFloat writes f so that it reads back as a float ("2.0", not "2").
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// quote writes s as a TOML basic string. Invalid UTF-8 becomes U+FFFD, so the
// result is always valid TOML.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// joinKey writes a dotted key, quoting parts that are not bare keys.
func joinKey(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = p
		if !isBareKey(p) {
			parts[i] = quote(p)
		}
	}
	return strings.Join(parts, ".")
}

func isBareKey(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}
