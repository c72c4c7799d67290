package buildlog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/swarm-build/swarm/portage"

	"github.com/swarm-build/swarm/internal/atomicfile"
)

// Errors callers test for with errors.Is.
var (
	// ErrTooLarge: a log over the store's size limit (compressed).
	ErrTooLarge = errors.New("build log: log too large")
	// ErrBadLog: the bytes are not one valid zstd stream.
	ErrBadLog = errors.New("build log: not a zstd-compressed log")
	// ErrNoLog: no log is kept for that build.
	ErrNoLog = errors.New("build log: no log kept")
)

// maxDecoded bounds what a stored log may decompress to: a small stream
// that expands beyond it is refused as a bomb.
const maxDecoded = 4 << 30

// Store is the logs folder. It is safe for concurrent use.
type Store struct {
	dir    string
	limits Limits
	mu     sync.Mutex // one write or prune at a time
}

// Limits bound what a Store keeps; zero fields are no limit.
type Limits struct {
	MaxBytes int64         // one compressed log
	MaxTotal int64         // all logs
	MaxAge   time.Duration // how long a log is kept
}

// New returns the store of logs under dir (the state folder's logs/).
func New(dir string, l Limits) *Store { return &Store{dir: dir, limits: l} }

// Dir is the store's folder.
func (s *Store) Dir() string { return s.dir }

// Path is where the log of atom's claim under fence is kept.
func (s *Store) Path(atom string, fence uint64) (string, error) {
	a, err := portage.ParsePackage(atom)
	if err != nil {
		return "", err
	}
	pf := strings.TrimPrefix(a.CPV(), a.Category+"/")
	return filepath.Join(s.dir, a.Category, pf, strconv.FormatUint(fence, 10)+".log.zst"), nil
}

// Put stores the zstd-compressed log read from r for atom's claim under
// fence, replacing one there, and prunes. It returns the stored size. A
// log over the size limit (ErrTooLarge) or that is not one zstd stream
// (ErrBadLog) is not stored.
func (s *Store) Put(atom string, fence uint64, r io.Reader) (int64, error) {
	path, err := s.Path(atom, fence)
	if err != nil {
		return 0, err
	}
	if s.limits.MaxBytes > 0 {
		r = &limitReader{r: r, left: s.limits.MaxBytes}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, fmt.Errorf("build log: %w", err)
	}
	n, err := writeAtomic(path, r, checkZstd)
	if err != nil {
		return 0, err
	}
	if _, err := s.pruneLocked(time.Now()); err != nil {
		return n, err
	}
	return n, nil
}

// limitReader fails with ErrTooLarge once more than left bytes were read.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, ErrTooLarge
	}
	return n, err
}

// checkZstd decodes the file at path to its end: it must be zstd, whole,
// and decompress to at most maxDecoded bytes.
func checkZstd(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dec, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadLog, err)
	}
	defer dec.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(dec, maxDecoded+1))
	switch {
	case err != nil:
		return fmt.Errorf("%w: %v", ErrBadLog, err)
	case n > maxDecoded:
		return fmt.Errorf("%w: decompresses to more than %d bytes", ErrTooLarge, int64(maxDecoded))
	}
	return nil
}

// writeAtomic publishes what r gives at path, mode 0600, through the one
// atomic-publish helper; check sees the written file before it is
// published. A crash or an error leaves the old file or none.
func writeAtomic(path string, r io.Reader, check func(*os.File) error) (int64, error) {
	var n int64
	err := atomicfile.Write(path, filepath.Base(path)+".*.tmp", 0o600, func(f *os.File) error {
		var err error
		if n, err = io.Copy(f, r); err != nil {
			return err
		}
		if check != nil {
			return check(f)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("build log: %w", err)
	}
	return n, nil
}

// Open returns the decompressed log of atom's claim under fence.
func (s *Store) Open(atom string, fence uint64) (io.ReadCloser, error) {
	path, err := s.Path(atom, fence)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w for %s (fence %d)", ErrNoLog, atom, fence)
	}
	if err != nil {
		return nil, fmt.Errorf("build log: %w", err)
	}
	dec, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("build log: %s: %w", path, err)
	}
	return &decoded{dec: dec, f: f}, nil
}

type decoded struct {
	dec *zstd.Decoder
	f   *os.File
}

func (d *decoded) Read(p []byte) (int, error) { return d.dec.Read(p) }
func (d *decoded) Close() error               { d.dec.Close(); return d.f.Close() }

// Limits is what the store keeps.
func (s *Store) Limits() Limits { return s.limits }
