package gpkg

import (
	"archive/tar"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Metadata is the content of a gpkg's metadata archive: one value per
// metadata/<KEY> file, in archive order. Values are the files' raw bytes
// (portage writes most with a trailing newline, BUILD_ID without).
type Metadata struct {
	Keys   []string
	Values map[string][]byte
	// headers keeps each file's tar header so a rewrite changes nothing
	// but what it means to.
	headers map[string]*tar.Header
}

// Get returns a key's value without surrounding white space, "" if absent.
func (m *Metadata) Get(key string) string {
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m.Values[key]))
}

// CPV is CATEGORY/PF, the package as portage's Packages index names it.
func (m *Metadata) CPV() string { return m.Get("CATEGORY") + "/" + m.Get("PF") }

// BuildID returns BUILD_ID, 0 when the package has none.
func (m *Metadata) BuildID() (int, error) {
	s := m.Get("BUILD_ID")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fail(ErrBadMetadata, "BUILD_ID %q is not a positive integer", s)
	}
	return n, nil
}

// decompressor opens a metadata archive's stream for reading.
func decompressor(comp string, r io.Reader) (io.Reader, func(), error) {
	switch comp {
	case "none":
		return r, func() {}, nil
	case "gzip":
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fail(ErrBadMetadata, "metadata gzip: %v", err)
		}
		return z, func() { z.Close() }, nil
	case "bzip2":
		return bzip2.NewReader(r), func() {}, nil
	case "zstd":
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20))
		if err != nil {
			return nil, nil, fail(ErrBadMetadata, "metadata zstd: %v", err)
		}
		return z, z.Close, nil
	}
	return nil, nil, fail(ErrUnsupportedCompression, "metadata archive compressed with %s", comp)
}

// readMetadata decodes a metadata archive, keeping at most maxUnpacked
// bytes of file content. Every member must be a regular file
// metadata/<KEY> (as portage's _check_metadata_files requires), no key
// twice, and CATEGORY and PF present.
func readMetadata(r io.Reader, comp string, maxUnpacked int64) (*Metadata, error) {
	dr, closeFn, err := decompressor(comp, r)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	m := &Metadata{Values: map[string][]byte{}, headers: map[string]*tar.Header{}}
	tr := tar.NewReader(dr)
	left := maxUnpacked
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fail(ErrBadMetadata, "metadata archive: %v", err)
		}
		key, err := metadataKey(h)
		if err != nil {
			return nil, err
		}
		if _, dup := m.Values[key]; dup {
			return nil, fail(ErrBadMetadata, "metadata/%s twice", key)
		}
		if h.Size > left {
			return nil, fail(ErrTooLarge, "metadata unpacks to more than %d bytes", maxUnpacked)
		}
		var b bytes.Buffer
		if _, err := io.CopyN(&b, tr, h.Size); err != nil {
			return nil, fail(ErrBadMetadata, "metadata/%s: %v", key, err)
		}
		left -= h.Size
		m.Keys = append(m.Keys, key)
		m.Values[key], m.headers[key] = b.Bytes(), h
	}
	for _, k := range []string{"CATEGORY", "PF"} {
		if !cleanElem(m.Get(k)) {
			return nil, fail(ErrBadMetadata, "metadata/%s missing or not a name: %q", k, m.Get(k))
		}
	}
	if _, err := m.BuildID(); err != nil {
		return nil, err
	}
	return m, nil
}

// metadataKey checks one metadata archive header and returns its key.
func metadataKey(h *tar.Header) (string, error) {
	key, found := strings.CutPrefix(h.Name, "metadata/")
	if !found || !cleanElem(key) || strings.Contains(key, "/") {
		return "", fail(ErrBadMetadata, "metadata member %q: want metadata/KEY", h.Name)
	}
	if h.Typeflag != tar.TypeReg {
		return "", fail(ErrBadMetadata, "metadata member %q is not a regular file", h.Name)
	}
	return key, nil
}
