package hashpipe

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"hash"
	"io"
	"math/rand/v2"
	"testing"
)

// TestSameSums: whatever the sizes of the writes, the sums equal those of
// hashing the stream in one go, for streams shorter than, equal to and
// longer than a chunk.
func TestSameSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 511, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17, 20 * chunkSize} {
		for _, step := range []int{1 << 20, 32 << 10, 512, 7} {
			if size > 2*chunkSize && step < 512 {
				continue // slow, and nothing new
			}
			data := make([]byte, size)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			a, b := sha256.New(), md5.New()
			w := New(a, b)
			for p := data; len(p) > 0; {
				k := min(step, len(p))
				if n, err := w.Write(p[:k]); n != k || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
				p = p[k:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			want256, wantMD5 := sha256.Sum256(data), md5.Sum(data)
			if !bytes.Equal(a.Sum(nil), want256[:]) || !bytes.Equal(b.Sum(nil), wantMD5[:]) {
				t.Errorf("size %d step %d: sums differ", size, step)
			}
		}
	}
}

// TestWriteAfterClose: a write after Close fails rather than being lost
// from the sums; a second Close is harmless.
func TestWriteAfterClose(t *testing.T) {
	w := New(sha256.New())
	w.Write([]byte("x"))
	w.Close()
	if _, err := w.Write([]byte("y")); err != ErrClosed {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCallerMayReuseBuffer: Write copies, so the caller's buffer may be
// overwritten at once (as io.Copy does) without changing the sums.
func TestCallerMayReuseBuffer(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), chunkSize/4)
	h := sha256.New()
	w := New(h)
	buf := make([]byte, 4096)
	if _, err := io.CopyBuffer(struct{ io.Writer }{w}, bytes.NewReader(data), buf); err != nil {
		t.Fatal(err)
	}
	w.Close()
	want := sha256.Sum256(data)
	if !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("sums differ")
	}
}

func BenchmarkPipeVsInline(b *testing.B) {
	data := make([]byte, 64<<20)
	for _, tc := range []struct {
		name string
		w    func(hs ...hash.Hash) (io.Writer, func())
	}{
		{"inline", func(hs ...hash.Hash) (io.Writer, func()) {
			ws := make([]io.Writer, len(hs))
			for i, h := range hs {
				ws[i] = h
			}
			return io.MultiWriter(ws...), func() {}
		}},
		{"pipe", func(hs ...hash.Hash) (io.Writer, func()) { p := New(hs...); return p, func() { p.Close() } }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for range b.N {
				w, done := tc.w(sha256.New(), md5.New())
				main := sha256.New() // the caller's own work, beside the pipe
				for p := data; len(p) > 0; p = p[32<<10:] {
					main.Write(p[:32<<10])
					w.Write(p[:32<<10])
				}
				done()
			}
		})
	}
}
