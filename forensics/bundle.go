package forensics

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/swarm-build/swarm/events"
)

// ErrBadBundle: a file is not an incident bundle, or its events do not add
// up to the chain value its manifest names.
var ErrBadBundle = errors.New("not a valid incident bundle")

// BundleFormat is the bundle layout's version, in its manifest.
const BundleFormat = 1

// A bundle is a tar stream compressed with zstd, holding:
//
//	manifest.json   Manifest
//	events.rec      the log's canonical records from seq 1 to Last, each
//	                preceded by its length as a uvarint (events/doc.go)
//	config.toml     the configuration in force, tokens' hashes left out
//	logs/ATOM/FENCE.log   the tail of each failed build's log, when kept
//
// The events start at the log's beginning, as a replay must, so the
// bundle alone rebuilds every projection; the chain value after Last
// proves they are the log's.
const (
	manifestName = "manifest.json"
	eventsName   = "events.rec"
	configName   = "config.toml"
	logsDir      = "logs/"
)

// Manifest describes a bundle.
type Manifest struct {
	Format  int       `json:"format"`
	Last    uint64    `json:"last"`  // the last event in it
	Chain   string    `json:"chain"` // the chain value after Last
	Since   time.Time `json:"since,omitzero"`
	Created time.Time `json:"created"` // the last event's time
}

// BundleLog is one build's log tail for a bundle.
type BundleLog struct {
	Atom  string
	Fence uint64
	Text  []byte
}

// WriteBundle writes a bundle of the records of recs (from seq 1, in
// order), config and logs to w.
func WriteBundle(w io.Writer, recs iter.Seq2[events.Record, error], config []byte, logs []BundleLog, since time.Time) (Manifest, error) {
	var body bytes.Buffer
	m := Manifest{Format: BundleFormat, Since: since, Chain: events.Hash{}.String()}
	for r, err := range recs {
		if err != nil {
			return m, err
		}
		if r.Seq != m.Last+1 {
			return m, fmt.Errorf("bundle: records jump from seq %d to %d", m.Last, r.Seq)
		}
		body.Write(binary.AppendUvarint(nil, uint64(len(r.Data))))
		body.Write(r.Data)
		m.Last, m.Chain = r.Seq, r.Chain.String()
		if e, _, err := events.Canonical(r.Data); err == nil {
			m.Created = e.Time
		}
	}
	zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	if err != nil {
		return m, err
	}
	tw := tar.NewWriter(zw)
	man, _ := json.MarshalIndent(m, "", "  ")
	files := []struct {
		name string
		data []byte
	}{{manifestName, man}, {eventsName, body.Bytes()}, {configName, config}}
	for _, l := range logs {
		files = append(files, struct {
			name string
			data []byte
		}{path.Join(logsDir, l.Atom, fmt.Sprintf("%d.log", l.Fence)), l.Text})
	}
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: m.Created, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return m, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return m, err
		}
	}
	if err := tw.Close(); err != nil {
		return m, err
	}
	return m, zw.Close()
}

// Bundle is a bundle read back: a projections.Source of its events, proven
// by the chain.
type Bundle struct {
	Manifest Manifest
	Config   []byte // config.toml as it was; nil when the bundle has none
	Logs     []BundleLog
	events   []events.Event
}

// maxBundleBytes bounds what a bundle may decompress to, all files
// together: a few bytes of zstd can claim gigabytes of zeros. (A variable
// so the fuzz test can lower it.)
var maxBundleBytes int64 = 1 << 30

// ReadBundle reads and verifies a bundle.
func ReadBundle(r io.Reader) (*Bundle, error) {
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(maxBundleBytes)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	defer zr.Close()
	limited := &io.LimitedReader{R: zr, N: maxBundleBytes + 1}
	b := &Bundle{}
	var recs []byte
	seenManifest := false
	tr := tar.NewReader(limited)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadBundle, err)
		}
		if hdr.Size > limited.N {
			return nil, fmt.Errorf("%w: %s: larger than a bundle may be (%d bytes)", ErrBadBundle, hdr.Name, maxBundleBytes)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadBundle, hdr.Name, err)
		}
		if limited.N <= 0 {
			return nil, fmt.Errorf("%w: larger than a bundle may be (%d bytes)", ErrBadBundle, maxBundleBytes)
		}
		switch name := path.Clean(hdr.Name); {
		case name == manifestName:
			if err := json.Unmarshal(data, &b.Manifest); err != nil {
				return nil, fmt.Errorf("%w: manifest: %w", ErrBadBundle, err)
			}
			seenManifest = true
		case name == eventsName:
			recs = data
		case name == configName:
			b.Config = data
		default:
			b.addLog(name, data)
		}
	}
	if !seenManifest || b.Manifest.Format != BundleFormat {
		return nil, fmt.Errorf("%w: no manifest of format %d", ErrBadBundle, BundleFormat)
	}
	if err := b.decode(recs); err != nil {
		return nil, err
	}
	return b, nil
}

// addLog keeps a logs/ATOM/FENCE.log file.
func (b *Bundle) addLog(name string, data []byte) {
	dir, file := path.Split(name)
	var fence uint64
	if _, err := fmt.Sscanf(file, "%d.log", &fence); err != nil || len(dir) <= len(logsDir) || dir[:len(logsDir)] != logsDir {
		return // not ours: a newer bundle's, skipped
	}
	b.Logs = append(b.Logs, BundleLog{Atom: path.Clean(dir[len(logsDir):]), Fence: fence, Text: data})
}

// decode decodes the records and proves them by the manifest's chain.
func (b *Bundle) decode(recs []byte) error {
	b.events = b.events[:0]
	var h events.Hash
	for len(recs) > 0 {
		n, k := binary.Uvarint(recs)
		if k <= 0 || uint64(len(recs)-k) < n {
			return fmt.Errorf("%w: events.rec is cut short after seq %d", ErrBadBundle, len(b.events))
		}
		rec := recs[k : k+int(n)]
		recs = recs[k+int(n):]
		h = events.ChainNext(h, rec)
		var e events.Event
		if err := events.NewDecoder().Decode(rec, &e); err != nil || e.Seq != uint64(len(b.events))+1 {
			return fmt.Errorf("%w: record %d does not decode as seq %d", ErrBadBundle, len(b.events)+1, len(b.events)+1)
		}
		b.events = append(b.events, e)
	}
	if uint64(len(b.events)) != b.Manifest.Last || h.String() != b.Manifest.Chain {
		return fmt.Errorf("%w: its %d events end in chain %s, the manifest says %d and %s",
			ErrBadBundle, len(b.events), h, b.Manifest.Last, b.Manifest.Chain)
	}
	return nil
}

// Events yields the bundle's events from seq from.
func (b *Bundle) Events(_ context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		for i := max(from, 1) - 1; i < uint64(len(b.events)); i++ {
			e := b.events[i]
			if !yield(&e, nil) {
				return
			}
		}
	}
}
