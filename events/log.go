package events

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/swarm-build/swarm/internal/flock"
)

// DefaultSegmentBytes is the size at which the loose tail segment is sealed
// (rewritten into large compressed frames) and a new one started.
const DefaultSegmentBytes = 4 << 20

// Options configure Open.
type Options struct {
	// ReadOnly opens the log for reading only: no lock, no repair, no Append.
	// A partial frame at the tail is then taken for a write in progress.
	ReadOnly bool
	// SegmentBytes is when the loose tail is sealed; 0 means DefaultSegmentBytes.
	SegmentBytes int64
	// Logger receives repairs and seals; nil discards.
	Logger *slog.Logger
	// Now is the clock for events appended without a time; nil is time.Now.
	Now func() time.Time
}

// Log is the durable, append-only event log in one folder. It is safe for
// concurrent use by many goroutines, and several processes may append to the
// same folder: a group commit takes an OS lock and first catches up with what
// other processes wrote.
type Log struct {
	dir  string
	opts Options
	log  *slog.Logger

	mu      sync.Mutex // guards queue, leading, closed; and writes of broken
	queue   []*request
	leading bool
	closed  bool

	// Writer state: only the group-commit leader touches it, so it needs no
	// lock of its own (leadership is handed over under mu).
	lock   *flock.File
	tailMu sync.Mutex // guards tailc and pinned
	tailc  tailCache  // how far readers have read the newest segment
	// pinned names the tail segment this process holds open to write (set
	// while it does; see lookPinned). Guarded by tailMu.
	pinned filePin
	// listings counts the folder listings of walks, which a reader that
	// keeps up never needs (tests read it).
	listings atomic.Int64
	tailRead atomic.Int64 // bytes walkTail read
	pinLooks atomic.Int64 // looks lookPinned answered (tests read it)
	w        writer
	// faultyWrite, when set (by tests), replaces the tail's WriteAt.
	faultyWrite func(f *os.File, b []byte, off int64) (int, error)
	broken      error // sticky: the write or sync that failed; set and cleared by the leader under mu
}

// writer is what the leader knows about the tail of the log on disk.
type writer struct {
	tail     *os.File
	tailName string
	tailID   uint64
	size     int64 // end of the last whole frame in tail
	full     bool  // the tail reached SegmentBytes: seal it and start a new segment
	last     uint64
	head     Hash
	buf      []byte
	body     []byte
	enc      *zstd.Encoder
}

// Open opens (creating it if needed, unless read-only) the log in dir. A
// writer checks the tail, cuts a torn last write after saving the cut bytes
// beside the segment, and refuses to open a log damaged elsewhere.
func Open(dir string, opts Options) (*Log, error) {
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = DefaultSegmentBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Log{dir: dir, opts: opts, log: opts.Logger}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if opts.ReadOnly {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("open log: %w", err)
		}
		return l, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	lk, err := flock.Open(filepath.Join(dir, "LOCK"))
	if err != nil {
		return nil, err
	}
	l.lock = lk
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		lk.Close()
		return nil, err
	}
	l.w.enc = enc
	if err := l.withLock(l.recoverLocked); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Dir is the folder the log lives in.
func (l *Log) Dir() string { return l.dir }

func (l *Log) withLock(fn func() error) error {
	if err := l.lock.Lock(); err != nil {
		return err
	}
	err := fn()
	if uerr := l.lock.Release(); err == nil && uerr != nil {
		err = fmt.Errorf("unlock: %w", uerr)
	}
	return err
}

// recoverLocked removes leftovers of interrupted seals, then loads the tail
// segment, cutting a torn write. The OS lock must be held.
func (l *Log) recoverLocked() error {
	ents, err := os.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			os.Remove(filepath.Join(l.dir, e.Name()))
		}
	}
	if err := l.checkSealedLocked(); err != nil {
		return err
	}
	return l.reloadLocked()
}

// checkSealedLocked checks every segment but the newest: checksums, headers
// and that sequence numbers run on from one segment to the next. A writer
// must not append to a log damaged anywhere (the chain itself is Verify's
// work: it costs a SHA-256 per event).
func (l *Log) checkSealedLocked() error {
	names, err := listSegments(l.dir)
	if err != nil || len(names) < 2 {
		return err
	}
	want := uint64(0)
	for _, name := range names {
		data, _, err := readSegment(filepath.Join(l.dir, name))
		if err != nil {
			return fmt.Errorf("read segment %s: %w", name, err)
		}
		if name == names[len(names)-1] {
			if h, err := parseSegHeader(data); err == nil && want != 0 && h.first != want {
				return fmt.Errorf("%w: segment %s starts at seq %d, want %d", ErrCorrupt, name, h.first, want)
			}
			return nil
		}
		s, err := scanSegment(name, data, false)
		if err != nil {
			return err
		}
		if want != 0 && s.hdr.first != want {
			return fmt.Errorf("%w: segment %s starts at seq %d, want %d", ErrCorrupt, name, s.hdr.first, want)
		}
		want = s.next()
	}
	return nil
}

// reloadLocked (re)reads the newest segment from disk: at Open, and when
// another process has appended or sealed since this one last wrote. The OS
// lock must be held.
func (l *Log) reloadLocked() error {
	if l.w.tail != nil {
		l.pin(filePin{})
		l.w.tail.Close()
		l.w.tail = nil
	}
	l.w.last, l.w.head, l.w.size, l.w.full = 0, Hash{}, 0, false
	names, err := listSegments(l.dir)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	name := names[len(names)-1]
	path := filepath.Join(l.dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read segment %s: %w", name, err)
	}
	s, err := scanSegment(name, data, true)
	if err != nil {
		return err
	}
	l.w.tailName = name
	if err := l.setHeadLocked(data, s); err != nil { // before any repair: a refused log stays as it was
		return err
	}
	if s.torn {
		if err := l.cutTorn(name, data, s); err != nil {
			return err
		}
		if s.hdr.first == 0 { // the header itself was torn: the file is gone
			return l.reloadLocked()
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open segment %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat segment %s: %w", name, err)
	}
	l.w.tail, l.w.tailID, l.w.size = f, fileID(fi), s.end
	l.pin(filePin{name, l.w.tailID})
	return nil
}

// setHeadLocked computes the last sequence number and chain value from the
// segment's last frame.
func (l *Log) setHeadLocked(data []byte, s *scanned) error {
	l.w.last, l.w.head = s.hdr.first-1, s.hdr.prev
	if len(s.frames) == 0 {
		return nil
	}
	fr := s.frames[len(s.frames)-1]
	_, body, _ := parseFrame(data[fr.off:])
	head, err := chainThrough(fr.hdr, body, ^uint64(0))
	if err != nil {
		return fmt.Errorf("%w: segment %s offset %d: %v", ErrCorrupt, l.w.tailName, fr.off, err)
	}
	l.w.last, l.w.head = fr.hdr.first+uint64(fr.hdr.count)-1, head
	l.w.full = s.end >= l.opts.SegmentBytes
	return nil
}

// cutTorn saves the torn bytes beside the segment, truncates it to the last
// whole frame and syncs, logging what it did. A segment whose header itself
// is torn is removed (after saving it).
func (l *Log) cutTorn(name string, data []byte, s *scanned) error {
	path := filepath.Join(l.dir, name)
	saved := fmt.Sprintf("%s.torn-%d", path, s.end)
	if err := os.WriteFile(saved, data[s.end:], 0o600); err != nil {
		return fmt.Errorf("save torn tail of %s: %w", name, err)
	}
	if s.hdr.first == 0 {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove torn segment %s: %w", name, err)
		}
	} else if err := truncateSync(path, s.end); err != nil {
		return err
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	l.log.Warn("cut a torn write at the end of the event log",
		"segment", name, "offset", s.end, "bytes", len(data)-int(s.end), "saved", filepath.Base(saved))
	return nil
}

func truncateSync(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("truncate %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// Close releases the log. Appends in flight finish first.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	for l.leading { // let the current leader finish its group
		l.mu.Unlock()
		time.Sleep(time.Millisecond)
		l.mu.Lock()
	}
	l.mu.Unlock()
	var errs []error
	if l.w.tail != nil {
		l.pin(filePin{})
		errs = append(errs, l.w.tail.Close())
	}
	if l.w.enc != nil {
		errs = append(errs, l.w.enc.Close())
	}
	if l.lock != nil {
		errs = append(errs, l.lock.Close())
	}
	return errors.Join(errs...)
}
