package drone

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// How much of a failed build's log travels with its report.
const (
	signatureTailBytes = 64 << 10 // read for the failure signature
	excerptMaxBytes    = 4 << 10  // the excerpt in the fail report …
	excerptMaxLines    = 40       // … at most this many lines of it
)

// readTail returns the last n bytes of the file at path.
func readTail(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read build log: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read build log: %w", err)
	}
	off := max(fi.Size()-n, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read build log: %w", err)
	}
	return buf, nil
}

// excerpt is the end of a log as a report carries it: the last
// excerptMaxLines whole lines within excerptMaxBytes, as valid UTF-8. A
// line cut by the byte limit is dropped unless it is the only one.
func excerpt(tail []byte) string {
	tail = bytes.TrimRight(tail, "\n")
	if len(tail) > excerptMaxBytes {
		cut := tail[len(tail)-excerptMaxBytes:]
		if i := bytes.IndexByte(cut, '\n'); i >= 0 && i < len(cut)-1 {
			cut = cut[i+1:]
		}
		tail = cut
	}
	lines := bytes.Split(tail, []byte("\n"))
	if len(lines) > excerptMaxLines {
		lines = lines[len(lines)-excerptMaxLines:]
	}
	return strings.ToValidUTF8(string(bytes.Join(lines, []byte("\n"))), "\uFFFD")
}
