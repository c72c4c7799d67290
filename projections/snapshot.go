package projections

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/internal/atomicfile"
)

// A snapshot file is named by its sequence number, zero-padded to 20 digits
// so names sort like numbers (00000000000000001234.snap), and holds:
//
//	magic    8 bytes  "SWARMSNP"
//	version  4 bytes  little-endian format version (16)
//	seq      8 bytes  little-endian: the last event folded in
//	head     32 bytes the event log's chain hash after seq
//	length   8 bytes  little-endian payload length
//	payload  length bytes: the State (encode.go)
//	crc      4 bytes  little-endian CRC-32C of everything before it
//
// The head ties the snapshot to one history: if the log was replaced or
// rewritten, the log's hash at seq differs and the snapshot is stale.

const (
	snapMagic   = "SWARMSNP"
	snapVersion = 16
	snapSuffix  = ".snap"
	headerLen   = 8 + 4 + 8 + 32 + 8

	// Keep is how many snapshots Save leaves in the folder.
	Keep = 3
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// snapName is the file name of the snapshot at seq.
func snapName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, snapSuffix) }

// parseSnapName returns the seq a snapshot file name carries.
func parseSnapName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, snapSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// Save writes a snapshot of s into dir (creating it) atomically: a reader
// sees the whole file or none. head is the log's chain hash after s.Seq.
// Older snapshots beyond the newest Keep are deleted.
func Save(dir string, s *State, head [32]byte) error { return SavePaced(dir, s, head, nil) }

// SavePaced is Save calling pace, when not nil, between chunks of the
// encoding (every few thousand packages), so a background writer can yield
// the CPU to the requests it shares it with. The bytes are Save's.
func SavePaced(dir string, s *State, head [32]byte, pace func()) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("snapshot folder: %w", err)
	}
	data := encodeSnapshot(s, head, pace)
	if err := writeAtomic(dir, snapName(s.Seq), data, pace); err != nil {
		return fmt.Errorf("save snapshot at seq %d: %w", s.Seq, err)
	}
	return prune(dir, Keep)
}

func encodeSnapshot(s *State, head [32]byte, pace func()) []byte {
	b := make([]byte, headerLen, headerLen+64*len(s.packages)+4096)
	copy(b, snapMagic)
	binary.LittleEndian.PutUint32(b[8:], snapVersion)
	binary.LittleEndian.PutUint64(b[12:], s.Seq)
	copy(b[20:52], head[:])
	b = appendStatePaced(b, s, pace)
	binary.LittleEndian.PutUint64(b[52:], uint64(len(b)-headerLen))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// writeAtomic publishes data as dir/name (0600); a crash leaves at most a
// .snap-*.tmp, which prune removes. With pace set, the data goes to disk in
// chunks of writeChunk, each flushed (fdatasync) before pace is called, so
// the log's own fsyncs on the same disk queue behind one chunk at a time
// rather than behind the whole snapshot.
func writeAtomic(dir, name string, data []byte, pace func()) error {
	return atomicfile.Write(filepath.Join(dir, name), ".snap-*.tmp", 0o600, func(f *os.File) error {
		for pace != nil && len(data) > writeChunk {
			if _, err := f.Write(data[:writeChunk]); err != nil {
				return err
			}
			if err := f.Sync(); err != nil {
				return err
			}
			data = data[writeChunk:]
			pace()
		}
		_, err := f.Write(data)
		return err
	})
}

// writeChunk is how much of a paced snapshot is written and flushed at once.
const writeChunk = 256 << 10

// prune deletes all but the newest keep snapshots, and temp files that a
// crashed Save left behind (older than an hour, so a concurrent Save's file
// is safe).
func prune(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("prune snapshots: %w", err)
	}
	var errs []error
	for i, seq := range snapshotSeqs(entries) {
		if i >= keep {
			errs = append(errs, remove(filepath.Join(dir, snapName(seq))))
		}
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".snap-") && strings.HasSuffix(e.Name(), ".tmp") {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
				errs = append(errs, remove(filepath.Join(dir, e.Name())))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("prune snapshots: %w", err)
	}
	return nil
}

// remove deletes path; one already gone (another process pruned) is fine.
func remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// snapshotSeqs returns the seqs of the snapshot files among entries, newest first.
func snapshotSeqs(entries []os.DirEntry) []uint64 {
	var seqs []uint64
	for _, e := range entries {
		if seq, ok := parseSnapName(e.Name()); ok && e.Type().IsRegular() {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	slices.Reverse(seqs)
	return seqs
}

// LoadLatest returns the State of the newest snapshot in dir with Seq <=
// atMost (0: any) that is whole, of a known version, and that check accepts
// (check is given the snapshot's seq and head and should compare them with
// the log's; nil accepts all). Snapshots that fail are skipped and logged on
// log (nil: silently). With none usable it returns New(): snapshots only
// save time. The error is non-nil only when dir exists but cannot be read,
// and even then the State is usable.
func LoadLatest(dir string, atMost uint64, check func(seq uint64, head [32]byte) bool, log *slog.Logger) (*State, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return New(), fmt.Errorf("read snapshots: %w", err)
	}
	for _, seq := range snapshotSeqs(entries) {
		if atMost != 0 && seq > atMost {
			continue
		}
		path := filepath.Join(dir, snapName(seq))
		s, head, err := readSnapshot(path, seq)
		if err == nil && check != nil && !check(seq, head) {
			err = errors.New("stale: the event log's hash at its seq differs")
		}
		if err != nil {
			log.Warn("skipping snapshot", "file", path, "reason", err)
			continue
		}
		return s, nil
	}
	return New(), nil
}

// readSnapshot reads and verifies one snapshot file.
func readSnapshot(path string, seq uint64) (*State, [32]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, [32]byte{}, err
	}
	return decodeSnapshot(data, seq)
}

// decodeSnapshot verifies a snapshot's framing and decodes its State; seq is
// what its file name says.
func decodeSnapshot(data []byte, seq uint64) (*State, [32]byte, error) {
	var head [32]byte
	if len(data) < headerLen+4 || !bytes.Equal(data[:8], []byte(snapMagic)) {
		return nil, head, errors.New("not a snapshot (bad magic or too short)")
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != snapVersion {
		return nil, head, fmt.Errorf("unknown format version %d", v)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, head, errors.New("checksum mismatch")
	}
	if n := binary.LittleEndian.Uint64(data[52:]); n != uint64(len(body)-headerLen) {
		return nil, head, fmt.Errorf("payload length %d, file holds %d", n, len(body)-headerLen)
	}
	if hs := binary.LittleEndian.Uint64(data[12:]); hs != seq {
		return nil, head, fmt.Errorf("holds seq %d, named %d", hs, seq)
	}
	copy(head[:], data[20:52])
	s, err := decodeState(body[headerLen:])
	if err == nil && s.Seq != seq {
		err = fmt.Errorf("%w: state at seq %d in a snapshot of %d", errPayload, s.Seq, seq)
	}
	return s, head, err
}
