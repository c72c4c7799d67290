package events

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLastSeq: the last seq read from frame headers is the last event a
// full read yields, on an empty log, a loose tail, sealed segments, a
// sealed segment with no next one started, a newest segment whose header
// was torn, and a torn last frame.
func TestLastSeq(t *testing.T) {
	lastRead := func(t *testing.T, dir string) uint64 {
		t.Helper()
		l, err := Open(dir, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		var last uint64
		for e, err := range l.Events(t.Context(), 1) {
			if err != nil {
				t.Fatal(err)
			}
			last = e.Seq
		}
		return last
	}
	tests := []struct {
		name  string
		build func(t *testing.T) string
		want  uint64
	}{
		{name: "empty", build: func(t *testing.T) string { return t.TempDir() }},
		{name: "three segments", build: func(t *testing.T) string { d, _ := buildDamageLog(t); return d }, want: 168},
		{name: "a sealed tail", build: func(t *testing.T) string { d, _ := buildSealedTailLog(t); return d }},
		{name: "a torn header on the newest segment", build: func(t *testing.T) string {
			d, evs := buildDamageLog(t)
			next := evs[len(evs)-1].Seq + 1
			if err := os.WriteFile(filepath.Join(d, segmentName(next)), make([]byte, 10), 0o600); err != nil {
				t.Fatal(err)
			}
			return d
		}, want: 168},
		{name: "a torn last frame", build: func(t *testing.T) string {
			d, _ := buildDamageLog(t)
			segs := readSegments(t, d)
			tail := segs[len(segs)-1]
			if err := os.Truncate(filepath.Join(d, tail.name), tail.scan.end-3); err != nil {
				t.Fatal(err)
			}
			return d
		}, want: 165},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.build(t)
			l, err := Open(dir, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			got, err := l.LastSeq()
			if err != nil {
				t.Fatal(err)
			}
			read := lastRead(t, dir)
			if got != read || (tt.want != 0 && got != tt.want) {
				t.Errorf("LastSeq %d; a full read ends at %d; want %d", got, read, tt.want)
			}
		})
	}
}
