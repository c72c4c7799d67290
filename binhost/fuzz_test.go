package binhost

import (
	"bytes"
	"os"
	"testing"
)

// FuzzParse checks Parse never panics, and that whatever it accepts writes
// in a form that reads back to the same index and writes the same bytes.
// Seeds: the real samples and regressions in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range samples {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("VERSION: 0\n\nCPV: a/b-1\nSLOT: 0\nREPO:\n\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := x.Write(&once); err != nil {
			t.Fatal(err)
		}
		y, err := Parse(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("written index does not parse: %v\n%s", err, once.Bytes())
		}
		if err := y.Write(&twice); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("write is not stable:\n%s\n---\n%s", once.Bytes(), twice.Bytes())
		}
		if len(y.Packages) != len(x.Packages) {
			t.Fatalf("%d entries read back as %d", len(x.Packages), len(y.Packages))
		}
	})
}
