package binhost

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrBadIndex: text that is not a Packages index as portage writes it.
var ErrBadIndex = errors.New("binhost: bad Packages index")

// Block is one block of a Packages file: keys as written in the file (DESC,
// MTIME, REPO, not portage's internal names) to values.
type Block map[string]string

// Index is a parsed Packages file.
type Index struct {
	Header   Block
	Packages []Block
}

// maxLine bounds one line of an index (a header USE line runs to a few KB).
const maxLine = 1 << 20

// translated maps the file's key names to portage's internal ones, which
// set the order of keys in a block.
var translated = map[string]string{"DESC": "DESCRIPTION", "MTIME": "_mtime_", "REPO": "repository"}

// defaults are portage's _pkgindex_default_pkg_data: an entry's value equal
// to its default is not written (and reads back as the default).
var defaults = map[string]string{
	"BDEPEND": "", "BUILD_ID": "", "BUILD_TIME": "", "DEFINED_PHASES": "", "DEPEND": "",
	"EAPI": "0", "IDEPEND": "", "IUSE": "", "KEYWORDS": "", "LICENSE": "", "PATH": "",
	"PDEPEND": "", "PROPERTIES": "", "PROVIDES": "", "RDEPEND": "", "REQUIRES": "",
	"RESTRICT": "", "SLOT": "0", "USE": "",
}

// inherited are the keys an entry takes from the header when it lacks them
// (portage's _pkgindex_inherited_keys), by their names in the file.
var inherited = []string{"CHOST", "REPO"}

// Parse reads a Packages index. It is stricter than portage, which skips
// lines without a colon: a line that is not `KEY: value`, a key twice in a
// block, or an entry without CPV is an error, since the index the farm
// reads is one it wrote.
func Parse(r io.Reader) (*Index, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	x := &Index{}
	line := 0
	for {
		b, err := readBlock(sc, &line)
		if err != nil {
			return nil, err
		}
		if b == nil {
			break
		}
		if x.Header == nil {
			x.Header = b
			continue
		}
		if b["CPV"] == "" {
			return nil, fmt.Errorf("%w: entry ending at line %d has no CPV", ErrBadIndex, line)
		}
		x.Packages = append(x.Packages, b)
	}
	if x.Header == nil {
		return nil, fmt.Errorf("%w: empty", ErrBadIndex)
	}
	return x, nil
}

// readBlock reads lines up to a blank line or the end; nil at the end.
func readBlock(sc *bufio.Scanner, line *int) (Block, error) {
	var b Block
	for sc.Scan() {
		*line++
		text := sc.Text()
		if text == "" {
			if b == nil { // portage's reader also stops here: an empty block ends the index
				return nil, nil
			}
			return b, nil
		}
		k, v, ok := strings.Cut(text, ": ")
		if !ok && strings.HasSuffix(text, ":") {
			k, ok = strings.TrimSuffix(text, ":"), true
		}
		if !ok || k == "" || strings.ContainsAny(k, " \t\r") || strings.ContainsAny(v, "\r") {
			return nil, fmt.Errorf("%w: line %d: want KEY: value, got %q", ErrBadIndex, *line, text)
		}
		if b == nil {
			b = Block{}
		}
		if _, dup := b[k]; dup {
			return nil, fmt.Errorf("%w: line %d: %s twice in a block", ErrBadIndex, *line, k)
		}
		b[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %v", ErrBadIndex, *line+1, err)
	}
	return b, nil
}

// Get returns an entry's value as portage reads it: the entry's own, else
// the header's for CHOST and REPO, else portage's default.
func (x *Index) Get(e Block, key string) string {
	if v, ok := e[key]; ok {
		return v
	}
	if slices.Contains(inherited, key) {
		if v := x.Header[key]; v != "" {
			return v
		}
	}
	return defaults[key]
}

// Write writes the index in portage's canonical form (see the package
// doc), with PACKAGES set to the number of entries and VERSION to 0 when
// unset. It does not change x.
func (x *Index) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	header := Block{}
	for k, v := range x.Header {
		header[k] = v
	}
	header["PACKAGES"] = strconv.Itoa(len(x.Packages))
	if header["VERSION"] == "" {
		header["VERSION"] = "0"
	}
	writeBlock(bw, header)
	entries := slices.Clone(x.Packages)
	slices.SortStableFunc(entries, compareEntries)
	for _, e := range entries {
		out := Block{}
		for k, v := range e {
			if d, ok := defaults[k]; ok && v == d {
				continue
			}
			if slices.Contains(inherited, k) && v == x.Header[k] {
				continue
			}
			out[k] = v
		}
		writeBlock(bw, out)
	}
	return bw.Flush()
}

// compareEntries orders entries by CPV as portage does, then (where
// portage keeps the order it was given) by BUILD_ID, then PATH (a real
// index has two entries with BUILD_ID 1 in files -2 and -3), so the farm's
// index does not depend on the order of its input.
func compareEntries(a, b Block) int {
	if c := strings.Compare(a["CPV"], b["CPV"]); c != 0 {
		return c
	}
	ai, aerr := strconv.Atoi(a["BUILD_ID"])
	bi, berr := strconv.Atoi(b["BUILD_ID"])
	if aerr == nil && berr == nil && ai != bi {
		return ai - bi
	}
	return strings.Compare(a["PATH"], b["PATH"])
}

// writeBlock writes a block's non-empty values, keys in portage's order,
// and the blank line that ends it.
func writeBlock(w *bufio.Writer, b Block) {
	keys := make([]string, 0, len(b))
	for k, v := range b {
		if v != "" {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(internal(a), internal(b)) })
	for _, k := range keys {
		w.WriteString(k + ": " + b[k] + "\n")
	}
	w.WriteString("\n")
}

func internal(k string) string {
	if n, ok := translated[k]; ok {
		return n
	}
	return k
}

// WriteGzip writes the index gzip-compressed, as Packages.gz, with the
// gzip header's mtime at TIMESTAMP (as portage does) when it is set.
func (x *Index) WriteGzip(w io.Writer) error {
	zw := gzip.NewWriter(w)
	if ts, err := strconv.ParseInt(x.Header["TIMESTAMP"], 10, 64); err == nil {
		zw.ModTime = time.Unix(ts, 0)
	}
	if err := x.Write(zw); err != nil {
		return err
	}
	return zw.Close()
}
