package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/swarm-build/swarm/events"
)

// The few facts of the on-disk format (events/frame.go) the raw side needs.
const (
	segMagic        = "SWARMLOG"
	segHeaderSize   = 56
	frameHeaderSize = 56
	flagZstd        = 1 // the body is zstd-compressed
	flagDelta       = 2 // records are delta-coded (sealed frames)
)

var errRecord = errors.New("bad record")

// segmentFiles lists the segment files of a log folder, in log order (their
// zero-padded names sort so).
func segmentFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".seg") && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}

// rawFrame is one whole frame of a segment, as walkFrames finds it.
type rawFrame struct {
	stored []byte // the body as stored (maybe compressed)
	flags  byte
	count  int
	first  uint64 // sequence number of the first event
}

// walkFrames calls fn with every whole frame of a segment file's data. It
// checks no checksum: it is the floor the log is measured against.
func walkFrames(data []byte, fn func(rawFrame) error) error {
	if len(data) < segHeaderSize || string(data[:len(segMagic)]) != segMagic {
		return errors.New("not a segment")
	}
	for off := segHeaderSize; off+frameHeaderSize <= len(data); {
		bodyLen := int(binary.LittleEndian.Uint32(data[off:]))
		end, pad := off+frameHeaderSize+bodyLen, int(data[off+9])
		if end+pad > len(data) {
			return nil // a write in progress
		}
		err := fn(rawFrame{stored: data[off+frameHeaderSize : end], flags: data[off+8],
			count: int(binary.LittleEndian.Uint32(data[off+12:])), first: binary.LittleEndian.Uint64(data[off+16:])})
		if err != nil {
			return err
		}
		off = end + pad
	}
	return nil
}

// forRecords calls fn with the sequence number, time (ms) and the rest (type
// and fields) of each record of a frame's decompressed body. Sealed frames
// are delta-coded: no seq (it is first + index), the time as a difference
// from the record before.
func forRecords(fr rawFrame, body []byte, fn func(seq uint64, ms int64, rest []byte) error) error {
	seq, ms := fr.first, int64(0)
	for n := 0; n < fr.count; n, seq = n+1, seq+1 {
		l, k := binary.Uvarint(body)
		if k <= 0 || l > uint64(len(body)-k) {
			return errRecord
		}
		rec := body[k : k+int(l)]
		body = body[k+int(l):]
		if fr.flags&flagDelta == 0 {
			if _, k = binary.Uvarint(rec); k <= 0 {
				return errRecord
			}
			rec, ms = rec[k:], 0
		}
		t, k := binary.Varint(rec)
		if k <= 0 {
			return errRecord
		}
		ms += t
		if err := fn(seq, ms, rec[k:]); err != nil {
			return err
		}
	}
	return nil
}

// rawFold is replay_1m's raw side: read, zstd-decode, decode each record's
// atom and drone by hand, and keep a package state per atom in a map.
type rawFold struct {
	dec    *zstd.Decoder
	buf    []byte
	pkgs   map[string]*rawPkg
	drones map[string]*rawDrone
	counts [numRawStates]int
}

type rawPkg struct {
	state    uint8
	drone    *rawDrone
	attempts int
	renewed  int64 // ms
	binary   bool
}

type rawDrone struct {
	seen   int64 // ms
	builds int
}

const (
	rawNeeded = iota
	rawBuilding
	rawBuilt
	rawFailed
	numRawStates
)

func newRawFold() *rawFold {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		panic(err) // only bad options fail
	}
	return &rawFold{dec: d}
}

// Close releases the zstd decoder.
func (f *rawFold) Close() { f.dec.Close() }

// run folds every event of the log in dir from scratch and returns how many
// it read.
func (f *rawFold) run(dir string) (int, error) {
	f.pkgs, f.drones, f.counts = make(map[string]*rawPkg), make(map[string]*rawDrone), [numRawStates]int{}
	names, err := segmentFiles(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return n, err
		}
		err = walkFrames(data, func(fr rawFrame) error {
			body := fr.stored
			if fr.flags&flagZstd != 0 {
				if f.buf, err = f.dec.DecodeAll(fr.stored, f.buf[:0]); err != nil {
					return err
				}
				body = f.buf
			}
			n += fr.count
			return forRecords(fr, body, f.apply)
		})
		if err != nil {
			return n, fmt.Errorf("%s: %w", filepath.Base(name), err)
		}
	}
	return n, nil
}

// apply decodes the type and fields of one record, keeping atom and drone,
// and folds it.
func (f *rawFold) apply(_ uint64, ms int64, rec []byte) error {
	typ, k := binary.Uvarint(rec)
	if k <= 0 {
		return errRecord
	}
	rec = rec[k:]
	var atom, drone []byte
	for len(rec) > 0 {
		key, k := binary.Uvarint(rec)
		if k <= 0 {
			return errRecord
		}
		x, k2 := binary.Uvarint(rec[k:])
		if k2 <= 0 {
			return errRecord
		}
		rec = rec[k+k2:]
		if key&7 != 2 {
			continue
		}
		if x > uint64(len(rec)) {
			return errRecord
		}
		switch key >> 3 {
		case 2:
			atom = rec[:x]
		case 3:
			drone = rec[:x]
		}
		rec = rec[x:]
	}
	f.fold(events.Type(typ), ms, atom, drone)
	return nil
}

// fold is the map update: a switch on the type, as a hand-written queue
// projection would do it.
func (f *rawFold) fold(t events.Type, ms int64, atom, drone []byte) {
	p := f.pkgs[string(atom)] // no allocation for the lookup
	switch t {
	case events.TypeEnqueued:
		if p == nil {
			f.pkgs[string(atom)] = &rawPkg{state: rawNeeded}
			f.counts[rawNeeded]++
		} else {
			f.move(p, rawNeeded)
		}
	case events.TypeDequeued:
		if p != nil {
			f.counts[p.state]--
			delete(f.pkgs, string(atom))
		}
	case events.TypeClaimed:
		if p != nil {
			f.move(p, rawBuilding)
			p.drone, p.attempts = f.drone(drone), p.attempts+1
		}
	case events.TypeLeaseRenewed:
		if p != nil {
			p.renewed = ms
		}
	case events.TypeCompleted, events.TypeFailed:
		if p != nil && p.drone != nil {
			p.drone.builds++
			p.drone.seen = ms
			to := uint8(rawBuilt)
			if t == events.TypeFailed {
				to = rawFailed
			}
			f.move(p, to)
		}
	case events.TypeReturned, events.TypeReclaimed:
		if p != nil {
			f.move(p, rawNeeded)
		}
	case events.TypeBinpkgUploaded, events.TypePromoted:
		if p != nil {
			p.binary = true
		}
	case events.TypeDroneHealth, events.TypeDroneRegistered, events.TypeDroneOnline:
		f.drone(drone).seen = ms
	}
}

func (f *rawFold) move(p *rawPkg, to uint8) {
	f.counts[p.state]--
	p.state = to
	f.counts[to]++
}

// drone returns the drone named b, adding it on first sight.
func (f *rawFold) drone(b []byte) *rawDrone {
	d := f.drones[string(b)]
	if d == nil {
		d = &rawDrone{}
		f.drones[string(b)] = d
	}
	return d
}
