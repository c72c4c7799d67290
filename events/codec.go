package events

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Field numbers of the record encoding (see doc.go). Part of the format:
// never renumber; add new fields with new numbers.
const (
	fActor = 1 + iota
	fAtom
	fDrone
	fReason
	fSignature
	fExcerpt
	fFence
	fLease
	fUntil
	fAttempt
	fTree
	fCores
	fMemoryMB
	fCapability
	fHealth
	fVersion
	fCPU
	fMemPct
	fDiskPct
	fLoad
	fProgress
	fSHA256
	fSize
	fPattern
	fRemote
	fCount
	fFinal
	fUse
	fDep
	fPriority
	fBuildID
	fPath
	fFileSHA256
	fCPV
	fEntry
	fPortage
	fFingerprint
	fSetting
	fWas
)

const (
	wireVarint = 0
	wireBytes  = 2
)

// AppendRecord appends the canonical encoding of e to b. Times are stored to
// the millisecond (the log truncates them on append, so what a caller holds
// equals what a replay reads); seq, not time, orders events. The encoding does not
// depend on how events are grouped into frames, which is what lets the hash
// chain survive sealing (see doc.go).
func AppendRecord(b []byte, e *Event) []byte {
	b = binary.AppendUvarint(b, e.Seq)
	b = binary.AppendVarint(b, e.Time.UnixMilli())
	b = binary.AppendUvarint(b, uint64(e.Type))
	b = putString(b, fActor, e.Actor)
	b = putString(b, fAtom, e.Atom)
	b = putString(b, fDrone, e.Drone)
	b = putString(b, fReason, e.Reason)
	b = putString(b, fSignature, e.Signature)
	b = putString(b, fExcerpt, e.Excerpt)
	b = putUint(b, fFence, e.Fence)
	b = putUint(b, fLease, uint64(max(e.Lease, 0)))
	if !e.Until.IsZero() { // written even when 0: the Unix epoch is a time, not "no time"
		b = binary.AppendUvarint(b, fUntil<<3|wireVarint)
		b = binary.AppendUvarint(b, zigzag(e.Until.UnixMilli()))
	}
	b = putUint(b, fAttempt, uint64(e.Attempt))
	b = putString(b, fTree, e.Tree)
	b = putUint(b, fCores, uint64(e.Cores))
	b = putUint(b, fMemoryMB, e.MemoryMB)
	for _, c := range e.Capabilities {
		b = binary.AppendUvarint(b, fCapability<<3|wireBytes)
		b = binary.AppendUvarint(b, uint64(len(c)))
		b = append(b, c...)
	}
	b = putString(b, fHealth, e.Health)
	b = putString(b, fVersion, e.Version)
	b = putUint(b, fCPU, hundredths(e.CPUPercent))
	b = putUint(b, fMemPct, hundredths(e.MemoryPercent))
	b = putUint(b, fDiskPct, hundredths(e.DiskPercent))
	b = putUint(b, fLoad, hundredths(e.Load))
	b = putUint(b, fProgress, e.Progress)
	b = putString(b, fSHA256, e.SHA256)
	b = putUint(b, fSize, e.Size)
	b = putString(b, fPattern, e.Pattern)
	b = putString(b, fRemote, e.Remote)
	b = putUint(b, fCount, e.Count)
	if e.Final {
		b = putUint(b, fFinal, 1)
	}
	b = putString(b, fUse, e.Use)
	for _, d := range e.Deps {
		b = binary.AppendUvarint(b, fDep<<3|wireBytes)
		b = binary.AppendUvarint(b, uint64(len(d)))
		b = append(b, d...)
	}
	b = putUint(b, fPriority, e.Priority)
	b = putUint(b, fBuildID, e.BuildID)
	b = putString(b, fPath, e.Path)
	b = putString(b, fFileSHA256, e.FileSHA256)
	b = putString(b, fCPV, e.CPV)
	b = putString(b, fEntry, e.Entry)
	for _, kv := range e.Portage {
		b = binary.AppendUvarint(b, fPortage<<3|wireBytes)
		b = binary.AppendUvarint(b, uint64(len(kv)))
		b = append(b, kv...)
	}
	b = putString(b, fFingerprint, e.Fingerprint)
	b = putList(b, fSetting, e.Settings)
	b = putList(b, fWas, e.Was)
	return b
}

// putList appends each of list as a repeated bytes field.
func putList(b []byte, field uint64, list []string) []byte {
	for _, s := range list {
		b = binary.AppendUvarint(b, field<<3|wireBytes)
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func putString(b []byte, field uint64, s string) []byte {
	if s == "" {
		return b
	}
	b = binary.AppendUvarint(b, field<<3|wireBytes)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putUint(b []byte, field, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = binary.AppendUvarint(b, field<<3|wireVarint)
	return binary.AppendUvarint(b, v)
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// maxHundredths bounds a stored percentage or load, in hundredths. Up to
// it, float64(v)/100 converts back to exactly v, so a decoded value encodes
// to the same bytes (past 2^51 it may not, and past 2^64 the conversion to
// uint64 differs between CPUs). No real percentage comes near 10^13 %.
const maxHundredths = 1 << 50

func hundredths(f float64) uint64 {
	if !(f > 0) || math.IsInf(f, 0) {
		return 0
	}
	return uint64(min(math.Round(f*100), maxHundredths))
}

func fromHundredths(v uint64) float64 { return float64(min(v, maxHundredths)) / 100 }

// Decoder decodes records. It interns the short strings that repeat across
// events (atoms, drone ids, actors), so replaying a million events does not
// allocate a million copies of the same atom. A Decoder is not safe for
// concurrent use.
type Decoder struct {
	intern map[string]string
	// recent is a direct-mapped cache in front of intern: most strings in a
	// replay were seen a few events ago, and a hash and a compare are much
	// cheaper than a map lookup.
	recent [1024]string
}

// maxInterned bounds the interner; past it the table starts afresh.
const maxInterned = 1 << 20

// NewDecoder returns a Decoder with an empty intern table.
func NewDecoder() *Decoder { return &Decoder{intern: make(map[string]string, 1024)} }

func (d *Decoder) str(b []byte) string {
	slot := &d.recent[quickHash(b)&uint32(len(d.recent)-1)]
	if *slot == string(b) { // no allocation for the comparison
		return *slot
	}
	if s, ok := d.intern[string(b)]; ok { // nor for the lookup
		*slot = s
		return s
	}
	if len(d.intern) >= maxInterned {
		clear(d.intern)
	}
	s := string(b)
	d.intern[s] = s
	*slot = s
	return s
}

// quickHash mixes a string's length and its first and last bytes: enough to
// spread atoms and drone ids over the recent cache.
func quickHash(b []byte) uint32 {
	n := len(b)
	if n == 0 {
		return 0
	}
	h := uint32(n) * 0x9e3779b1
	h ^= uint32(b[0]) | uint32(b[n/2])<<8 | uint32(b[n-1])<<16 | uint32(b[n*3/4])<<24
	h *= 0x85ebca6b
	return h ^ h>>15
}

// Decode decodes one record into e, overwriting it. Fields it does not know
// are skipped, so an older binary reads a newer log's events minus the new
// fields.
func (d *Decoder) Decode(rec []byte, e *Event) error {
	*e = Event{}
	r := reader{b: rec}
	e.Seq = r.uvarint()
	e.Time = time.UnixMilli(r.varint()).UTC()
	return d.decodeRest(&r, e)
}

// decodeDelta decodes a record of a delta-coded frame (no seq; time as a
// difference from the previous record's, prevMilli) without first rebuilding
// the canonical record. It returns the record's time in milliseconds.
func (d *Decoder) decodeDelta(rec []byte, seq uint64, prevMilli int64, e *Event) (int64, error) {
	*e = Event{}
	r := reader{b: rec}
	t := prevMilli + r.varint()
	e.Seq, e.Time = seq, time.UnixMilli(t).UTC()
	return t, d.decodeRest(&r, e)
}

// decodeRest decodes a record after its seq and time: the type and fields.
func (d *Decoder) decodeRest(r *reader, e *Event) error {
	t := r.uvarint()
	if r.err != nil {
		return fmt.Errorf("%w: header: %v", ErrDecode, r.err)
	}
	if t > math.MaxUint8 {
		return fmt.Errorf("%w: type %d out of range", ErrDecode, t)
	}
	e.Type = Type(t)
	for r.err == nil && len(r.b) > 0 {
		key := r.uvarint()
		field, wire := key>>3, key&7
		switch wire {
		case wireVarint:
			v := r.uvarint()
			d.setUint(e, field, v)
		case wireBytes:
			v := r.bytes()
			if r.err == nil {
				d.setBytes(e, field, v)
			}
		default:
			return fmt.Errorf("%w: field %d has wire type %d", ErrDecode, field, wire)
		}
	}
	if r.err != nil {
		return fmt.Errorf("%w: %v", ErrDecode, r.err)
	}
	return nil
}

func (d *Decoder) setUint(e *Event, field, v uint64) {
	switch field {
	case fFence:
		e.Fence = v
	case fLease:
		e.Lease = time.Duration(min(v, math.MaxInt64))
	case fUntil:
		e.Until = time.UnixMilli(unzigzag(v)).UTC()
	case fAttempt:
		e.Attempt = uint32(min(v, math.MaxUint32))
	case fCores:
		e.Cores = uint32(min(v, math.MaxUint32))
	case fMemoryMB:
		e.MemoryMB = v
	case fCPU:
		e.CPUPercent = fromHundredths(v)
	case fMemPct:
		e.MemoryPercent = fromHundredths(v)
	case fDiskPct:
		e.DiskPercent = fromHundredths(v)
	case fLoad:
		e.Load = fromHundredths(v)
	case fProgress:
		e.Progress = v
	case fSize:
		e.Size = v
	case fCount:
		e.Count = v
	case fFinal:
		e.Final = v != 0
	case fPriority:
		e.Priority = v
	case fBuildID:
		e.BuildID = v
	}
}

func (d *Decoder) setBytes(e *Event, field uint64, v []byte) {
	switch field {
	case fActor:
		e.Actor = d.str(v)
	case fAtom:
		e.Atom = d.str(v)
	case fDrone:
		e.Drone = d.str(v)
	case fReason:
		e.Reason = string(v)
	case fSignature:
		e.Signature = d.str(v)
	case fExcerpt:
		e.Excerpt = string(v)
	case fTree:
		e.Tree = d.str(v)
	case fCapability:
		e.Capabilities = append(e.Capabilities, d.str(v))
	case fHealth:
		e.Health = d.str(v)
	case fVersion:
		e.Version = d.str(v)
	case fSHA256:
		e.SHA256 = string(v)
	case fPattern:
		e.Pattern = d.str(v)
	case fRemote:
		e.Remote = d.str(v)
	case fUse:
		e.Use = d.str(v)
	case fDep:
		e.Deps = append(e.Deps, d.str(v))
	case fPath:
		e.Path = string(v)
	case fFileSHA256:
		e.FileSHA256 = string(v)
	case fCPV:
		e.CPV = d.str(v)
	case fEntry:
		e.Entry = string(v)
	case fPortage:
		e.Portage = append(e.Portage, string(v))
	case fFingerprint:
		e.Fingerprint = d.str(v)
	case fSetting:
		e.Settings = append(e.Settings, string(v))
	case fWas:
		e.Was = append(e.Was, string(v))
	}
}

// reader walks a byte slice; the first error sticks and later reads return zero.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("bad varint at %d bytes from the end", len(r.b))
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 { return unzigzag(r.uvarint()) }

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("length %d past the end (%d bytes left)", n, len(r.b))
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}
