package flatjson

import (
	"encoding/json"
	"math"
	"testing"
)

// AppendString writes the bytes json.Marshal writes, escapes and all.
func TestAppendStringIsMarshal(t *testing.T) {
	for _, s := range []string{"", "dev-lang/go-1.26", `quote " and \ back`, "<a & b>", "tab\tnew\nline\r\b\f",
		"\x00\x1f\x7f", "ünïcødé", "\u2028\u2029", "bad \xff utf-8 \xc3", "€ \U0001F600"} {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, json.Marshal writes %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028<>&", "\x01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("x"), s); string(got[1:]) != string(want) {
			t.Fatalf("AppendString(%q) = %s, json.Marshal writes %s", s, got[1:], want)
		}
	})
}

// flat is a message of every shape the Reader reads: strings, both kinds
// of integer, null and a nested object.
type flat struct {
	S   string `json:"s"`
	U   uint64 `json:"u"`
	U32 uint32 `json:"u32"`
	I   int64  `json:"i"`
	N   *inner `json:"n"`
}

type inner struct {
	S string `json:"s"`
	I int64  `json:"i"`
}

// readFlat reads data as the messages of package api do.
func readFlat(data []byte) (flat, bool) {
	var v flat
	var r Reader
	r.Reset(data)
	for r.Next() {
		switch string(r.Key()) {
		case "s":
			v.S = r.String()
		case "u":
			v.U = r.Uint(math.MaxUint64)
		case "u32":
			v.U32 = uint32(r.Uint(math.MaxUint32))
		case "i":
			v.I = r.Int()
		case "n":
			if r.Null() {
				continue
			}
			n := r.Nested()
			v.N = new(inner)
			for n.Next() {
				switch string(n.Key()) {
				case "s":
					v.N.S = n.String()
				case "i":
					v.N.I = n.Int()
				default:
					n.Fail()
				}
			}
			r.Resume(&n)
		default:
			r.Fail()
		}
	}
	return v, r.Done()
}

func TestReader(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want *flat // nil: not the narrow shape
	}{
		{`{}`, &flat{}},
		{`{}` + "\n", &flat{}},
		{`{"s":"dev-lang/go","u":18446744073709551615,"u32":4294967295,"i":-9223372036854775808}`,
			&flat{S: "dev-lang/go", U: math.MaxUint64, U32: math.MaxUint32, I: math.MinInt64}},
		{`{"i":9223372036854775807,"u":0}`, &flat{I: math.MaxInt64}},
		{`{"n":null,"s":""}`, &flat{}},
		{`{"n":{"s":"x","i":-3},"u":7}`, &flat{N: &inner{S: "x", I: -3}, U: 7}},
		{`{"n":{}}`, &flat{N: &inner{}}},
		// Left to encoding/json:
		{``, nil},
		{`null`, nil},
		{`[]`, nil},
		{`{ }`, nil},
		{`{"s":"a"} `, nil},
		{`{"s":"a"}x`, nil},
		{`{"s":"a"}{}`, nil},
		{`{"s":"a",}`, nil},
		{`{"s":"a"`, nil},
		{`{"s":"a\"b"}`, nil},
		{`{"s":"é"}`, nil},
		{`{"s":"a","s":"b"}`, nil},
		{`{"S":"a"}`, nil},
		{`{"x":1}`, nil},
		{`{"s":1}`, nil},
		{`{"s":null}`, nil},
		{`{"u":-1}`, nil},
		{`{"u":01}`, nil},
		{`{"u":1.0}`, nil},
		{`{"u":1e3}`, nil},
		{`{"u":18446744073709551616}`, nil},
		{`{"u32":4294967296}`, nil},
		{`{"i":-0}`, nil},
		{`{"i":9223372036854775808}`, nil},
		{`{"i":-9223372036854775809}`, nil},
		{`{"i":-}`, nil},
		{`{"n":{"s":"x"}`, nil},
		{`{"n":{"z":1}}`, nil},
		{`{"n":"x"}`, nil},
		{`{"s":"a","u":1,"u32":2,"i":3,"n":null,"x":1}`, nil},
	} {
		got, ok := readFlat([]byte(tc.in))
		if ok != (tc.want != nil) {
			t.Errorf("%q: read %v, want %v", tc.in, ok, tc.want != nil)
			continue
		}
		if ok {
			if g, w := mustMarshal(t, got), mustMarshal(t, *tc.want); g != w {
				t.Errorf("%q: read %s, want %s", tc.in, g, w)
			}
		}
	}
}

func mustMarshal(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// What the Reader takes, encoding/json takes too and reads the same.
func FuzzReaderAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"s":"a","u":1,"u32":2,"i":-3,"n":{"s":"b","i":4}}`, `{"n":null}`,
		`{"u":18446744073709551615}`, `{"i":-9223372036854775808}`, "{\"s\":\"x\"}\n", `{"s":"a","s":"b"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := readFlat(data)
		if !ok {
			return
		}
		var want flat
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("the Reader read %q, encoding/json refuses it: %v", data, err)
		}
		if g, w := mustMarshal(t, got), mustMarshal(t, want); g != w {
			t.Fatalf("%q: the Reader read %s, encoding/json %s", data, g, w)
		}
	})
}
