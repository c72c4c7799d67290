package api

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestSSEReader(t *testing.T) {
	in := "retry: 1000\n\n: keep-alive\n\nid: 7\ndata: {\"a\":1}\n\nid:8\ndata: x\ndata: y\nevent: ignored\n\r\nid: 9\ndata: cut"
	r := newSSEReader(strings.NewReader(in))
	type got struct {
		id, data string
		retry    int64
	}
	want := []got{{"", "", 1000}, {"7", `{"a":1}`, 0}, {"8", "x\ny", 0}}
	for i, w := range want {
		m, err := r.next()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if g := (got{m.id, string(m.data), m.retryMS}); g != w {
			t.Fatalf("message %d: got %+v, want %+v", i, g, w)
		}
	}
	if m, err := r.next(); !errors.Is(err, io.EOF) {
		t.Fatalf("a message cut off by the end was returned: %+v %v", m, err)
	}
}

// FuzzSSEReader: any stream reads to an end without panicking, and data
// never holds a line the stream did not have.
func FuzzSSEReader(f *testing.F) {
	f.Add("id: 1\ndata: {}\n\n")
	f.Add("retry: -5\n\nid\ndata\n\n:\n\n")
	f.Add("data: a\r\ndata: b\r\n\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		r := newSSEReader(strings.NewReader(s))
		for range 1 + len(s) {
			m, err := r.next()
			if err != nil {
				return
			}
			if len(m.data) > len(s) {
				t.Fatalf("data %q longer than the stream %q", m.data, s)
			}
		}
		t.Fatalf("more messages than bytes in %q", s)
	})
}
