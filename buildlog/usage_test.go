package buildlog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestUsage counts the kept logs and their compressed bytes; an absent
// folder (no log ever uploaded) is no logs, and other files are not logs.
func TestUsage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	s := New(dir, Limits{})
	if u, err := s.Usage(); err != nil || u != (Usage{}) {
		t.Fatalf("no folder: %+v (%v)", u, err)
	}
	var want Usage
	for i, atom := range []string{"app-misc/hello-1.0", "app-misc/hello-1.0", "dev-libs/foo-2"} {
		zlog, err := zstd.NewWriter(nil)
		if err != nil {
			t.Fatal(err)
		}
		data := zlog.EncodeAll(bytes.Repeat([]byte("make: building\n"), 10*(i+1)), nil)
		n, err := s.Put(atom, uint64(i+1), bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want.Logs++
		want.Bytes += n
	}
	if err := os.WriteFile(filepath.Join(dir, "stray.tmp"), []byte("not a log"), 0o600); err != nil {
		t.Fatal(err)
	}
	if u, err := s.Usage(); err != nil || u != want || u.Bytes == 0 {
		t.Errorf("usage %+v (%v), want %+v", u, err, want)
	}
}
