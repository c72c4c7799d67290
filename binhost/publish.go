package binhost

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/swarm-build/swarm/internal/atomicfile"
)

// Index file names in the packages folder.
const (
	IndexFile   = "Packages"
	IndexGzFile = "Packages.gz"
)

// Timestamp returns the TIMESTAMP of the Packages index in the binhost
// folder dir, 0 when there is none.
func Timestamp(dir string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(dir, PackagesDir, IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("binhost: %w", err)
	}
	x, err := Parse(bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	ts, _ := strconv.ParseInt(x.Header["TIMESTAMP"], 10, 64)
	return ts, nil
}

// Publish writes x as Packages and Packages.gz in dir's packages folder,
// each atomically, with TIMESTAMP ts and both files' mtime equal to it
// (clients compare them; Last-Modified is the mtime). Packages.gz goes
// first: a client reads it first, and either file alone is a whole index.
func Publish(dir string, x *Index, ts int64) error {
	out := &Index{Header: Block{}, Packages: x.Packages}
	for k, v := range x.Header {
		out.Header[k] = v
	}
	out.Header["TIMESTAMP"] = strconv.FormatInt(ts, 10)
	var plain, gz bytes.Buffer
	if err := out.Write(&plain); err != nil {
		return err
	}
	if err := out.WriteGzip(&gz); err != nil {
		return err
	}
	folder := filepath.Join(dir, PackagesDir)
	if err := os.MkdirAll(folder, DirMode); err != nil {
		return fmt.Errorf("binhost: %w", err)
	}
	mtime := time.Unix(ts, 0)
	for _, f := range []struct {
		name string
		data []byte
	}{{IndexGzFile, gz.Bytes()}, {IndexFile, plain.Bytes()}} {
		tmp, err := atomicfile.Create(folder, "."+f.name+".tmp-*", FileMode)
		if err != nil {
			return err
		}
		if _, err := tmp.Write(f.data); err != nil {
			atomicfile.Discard(tmp)
			return fmt.Errorf("binhost: %w", err)
		}
		if err := atomicfile.Publish(tmp, filepath.Join(folder, f.name), mtime); err != nil {
			return err
		}
	}
	return nil
}

// IndexOf is the index of the given entries (promoted events' Entry
// blocks), with portage's header for a farm's binhost.
func IndexOf(entries []string) (*Index, error) {
	x := &Index{Header: Block{"VERSION": "0"}}
	for _, e := range entries {
		b, err := ParseEntry(e)
		if err != nil {
			return nil, err
		}
		x.Packages = append(x.Packages, b)
	}
	return x, nil
}
