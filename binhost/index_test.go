package binhost

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// samples are real Packages files portage wrote (testdata/SOURCES.md).
var samples = []string{"257-binpkgs-Packages.txt", "portage-real-Packages.txt", "builder-Packages.txt"}

// A real index reads and writes back byte for byte: every field, every
// key and entry in portage's order.
func TestRoundTripRealIndexes(t *testing.T) {
	for _, name := range samples {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			x, err := Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := x.Header["PACKAGES"]; got != itoa(len(x.Packages)) {
				t.Errorf("PACKAGES %s, parsed %d entries", got, len(x.Packages))
			}
			var out bytes.Buffer
			if err := x.Write(&out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Errorf("round trip differs:\n%s", firstDiff(data, out.Bytes()))
			}
		})
	}
}

// Write puts entries and keys in portage's order whatever order they are
// given in, so a shuffled index writes the same bytes.
func TestWriteCanonicalOrder(t *testing.T) {
	data, _ := os.ReadFile("testdata/257-binpkgs-Packages.txt")
	x, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(x.Packages), func(i, j int) { x.Packages[i], x.Packages[j] = x.Packages[j], x.Packages[i] })
	var out bytes.Buffer
	if err := x.Write(&out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Errorf("shuffled index writes differently:\n%s", firstDiff(data, out.Bytes()))
	}
}

// An index built from scratch leaves out defaults, inherited values and
// empty ones, renames nothing it should not, and reads back with Get
// supplying what was left out.
func TestWriteFromScratch(t *testing.T) {
	x := &Index{
		Header: Block{"TIMESTAMP": "1796321725", "CHOST": "x86_64-pc-linux-gnu", "REPO": "", "VERSION": ""},
		Packages: []Block{
			{"CPV": "app-misc/hello-1.0", "SLOT": "0", "EAPI": "8", "CHOST": "x86_64-pc-linux-gnu", "REPO": "farm",
				"MTIME": "1796321709", "DESC": "trivial", "USE": "", "SIZE": "10240", "PATH": "app-misc/hello/hello-1.0-3.gpkg.tar", "BUILD_ID": "3"},
			{"CPV": "app-misc/greeter-2.1", "SLOT": "2", "EAPI": "0", "CHOST": "aarch64-unknown-linux-gnu"},
		},
	}
	var out bytes.Buffer
	if err := x.Write(&out); err != nil {
		t.Fatal(err)
	}
	want := `CHOST: x86_64-pc-linux-gnu
PACKAGES: 2
TIMESTAMP: 1796321725
VERSION: 0

CHOST: aarch64-unknown-linux-gnu
CPV: app-misc/greeter-2.1
SLOT: 2

BUILD_ID: 3
CPV: app-misc/hello-1.0
DESC: trivial
EAPI: 8
PATH: app-misc/hello/hello-1.0-3.gpkg.tar
SIZE: 10240
MTIME: 1796321709
REPO: farm

`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	back, err := Parse(&out)
	if err != nil {
		t.Fatal(err)
	}
	hello := back.Packages[1]
	for key, want := range map[string]string{"SLOT": "0", "CHOST": "x86_64-pc-linux-gnu", "REPO": "farm", "EAPI": "8", "USE": ""} {
		if got := back.Get(hello, key); got != want {
			t.Errorf("Get(hello, %s) = %q, want %q", key, got, want)
		}
	}
	if got := back.Get(back.Packages[0], "EAPI"); got != "0" {
		t.Errorf("Get(greeter, EAPI) = %q, want the default 0", got)
	}
}

// Packages.gz holds the same bytes, its gzip mtime at TIMESTAMP.
func TestWriteGzip(t *testing.T) {
	data, _ := os.ReadFile("testdata/portage-real-Packages.txt")
	x, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	if err := x.WriteGzip(&gz); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&gz)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, data) || !zr.ModTime.Equal(time.Unix(1796321725, 0)) {
		t.Errorf("Packages.gz: mtime %v, content equal %v", zr.ModTime, bytes.Equal(plain, data))
	}
}

func TestParseRefuses(t *testing.T) {
	for name, text := range map[string]string{
		"empty":         "",
		"no colon":      "VERSION: 0\n\nCPV app-misc/a-1\n\n",
		"duplicate key": "VERSION: 0\n\nCPV: app-misc/a-1\nSIZE: 1\nSIZE: 2\n\n",
		"no CPV":        "VERSION: 0\n\nSIZE: 1\n\n",
		"key space":     "VERSION: 0\n\nC PV: x\n\n",
		"long line":     "USE: " + strings.Repeat("x", maxLine+1) + "\n\n",
	} {
		if _, err := Parse(strings.NewReader(text)); !errors.Is(err, ErrBadIndex) {
			t.Errorf("%s: %v, want ErrBadIndex", name, err)
		}
	}
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}

// firstDiff shows where two texts first differ.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + fmtInt(i+1) + ":\n want " + w + "\n  got " + g
		}
	}
	return "(same lines)"
}
