package api

import (
	"math"

	"github.com/swarm-build/swarm/internal/flatjson"
)

// The messages of every build (a claim and its answer, a completion and
// its acknowledgement) write and read their own JSON (package flatjson):
// the bytes json.Marshal writes, without reflection. Both ends fall back
// to encoding/json for whatever the fast reader does not take.

// FlatEncoder is a message that appends its own JSON, exactly as
// json.Marshal writes it.
type FlatEncoder interface {
	AppendJSON(b []byte) []byte
}

// FlatDecoder is a message that reads its own JSON when data has the
// narrow shape of flatjson.Reader, reporting false (and leaving itself
// unchanged) when it does not: decode data with encoding/json then.
type FlatDecoder interface {
	DecodeFlat(data []byte) bool
}

// AppendJSON appends r as json.Marshal writes it.
func (r ClaimRequest) AppendJSON(b []byte) []byte {
	b = flatjson.AppendKey(append(b, '{'), "wait_ms", true)
	return append(flatjson.AppendInt(b, r.WaitMS), '}')
}

// DecodeFlat decodes data into r as json.Unmarshal into a zero value
// would, if data has flatjson's narrow shape.
func (r *ClaimRequest) DecodeFlat(data []byte) bool {
	return decodeFlat(data, r, func(v *ClaimRequest, rd *flatjson.Reader) {
		switch string(rd.Key()) {
		case "wait_ms":
			v.WaitMS = rd.Int()
		default:
			rd.Fail()
		}
	})
}

// AppendJSON appends r as json.Marshal writes it.
func (r CompleteRequest) AppendJSON(b []byte) []byte {
	b = flatjson.AppendKey(append(b, '{'), "atom", true)
	b = flatjson.AppendString(b, r.Atom)
	b = flatjson.AppendUint(flatjson.AppendKey(b, "fence", false), r.Fence)
	if r.SHA256 != "" {
		b = flatjson.AppendString(flatjson.AppendKey(b, "sha256", false), r.SHA256)
	}
	if r.Size != 0 {
		b = flatjson.AppendUint(flatjson.AppendKey(b, "size", false), r.Size)
	}
	return append(b, '}')
}

// DecodeFlat decodes data into r as json.Unmarshal into a zero value
// would, if data has flatjson's narrow shape.
func (r *CompleteRequest) DecodeFlat(data []byte) bool {
	return decodeFlat(data, r, func(v *CompleteRequest, rd *flatjson.Reader) {
		switch string(rd.Key()) {
		case "atom":
			v.Atom = rd.String()
		case "fence":
			v.Fence = rd.Uint(math.MaxUint64)
		case "sha256":
			v.SHA256 = rd.String()
		case "size":
			v.Size = rd.Uint(math.MaxUint64)
		default:
			rd.Fail()
		}
	})
}

// AppendJSON appends c as json.Marshal writes it.
func (c Claim) AppendJSON(b []byte) []byte {
	b = flatjson.AppendKey(append(b, '{'), "atom", true)
	b = flatjson.AppendString(b, c.Atom)
	b = flatjson.AppendUint(flatjson.AppendKey(b, "fence", false), c.Fence)
	b = flatjson.AppendUint(flatjson.AppendKey(b, "attempt", false), uint64(c.Attempt))
	b = flatjson.AppendInt(flatjson.AppendKey(b, "lease_ms", false), c.LeaseMS)
	b = flatjson.AppendInt(flatjson.AppendKey(b, "expected_ms", false), c.ExpectedMS)
	return append(b, '}')
}

// decodeFlat reads a claim's fields from rd, a nested object.
func (c *Claim) decodeFlat(rd *flatjson.Reader) {
	for rd.Next() {
		switch string(rd.Key()) {
		case "atom":
			c.Atom = rd.String()
		case "fence":
			c.Fence = rd.Uint(math.MaxUint64)
		case "attempt":
			c.Attempt = uint32(rd.Uint(math.MaxUint32))
		case "lease_ms":
			c.LeaseMS = rd.Int()
		case "expected_ms":
			c.ExpectedMS = rd.Int()
		default:
			rd.Fail()
		}
	}
}

// AppendJSON appends r as json.Marshal writes it.
func (r ClaimResponse) AppendJSON(b []byte) []byte {
	b = flatjson.AppendKey(append(b, '{'), "claim", true)
	if r.Claim == nil {
		b = append(b, "null"...)
	} else {
		b = r.Claim.AppendJSON(b)
	}
	if r.Reason != "" {
		b = flatjson.AppendString(flatjson.AppendKey(b, "reason", false), r.Reason)
	}
	return append(b, '}')
}

// DecodeFlat decodes data into r as json.Unmarshal into a zero value
// would, if data has flatjson's narrow shape.
func (r *ClaimResponse) DecodeFlat(data []byte) bool {
	return decodeFlat(data, r, func(v *ClaimResponse, rd *flatjson.Reader) {
		switch string(rd.Key()) {
		case "claim":
			if rd.Null() {
				return
			}
			n := rd.Nested()
			v.Claim = new(Claim)
			v.Claim.decodeFlat(&n)
			rd.Resume(&n)
		case "reason":
			v.Reason = rd.String()
		default:
			rd.Fail()
		}
	})
}

// AppendJSON appends a as json.Marshal writes it.
func (a Ack) AppendJSON(b []byte) []byte {
	b = flatjson.AppendKey(append(b, '{'), "seq", true)
	return append(flatjson.AppendUint(b, a.Seq), '}')
}

// DecodeFlat decodes data into a as json.Unmarshal into a zero value
// would, if data has flatjson's narrow shape.
func (a *Ack) DecodeFlat(data []byte) bool {
	return decodeFlat(data, a, func(v *Ack, rd *flatjson.Reader) {
		switch string(rd.Key()) {
		case "seq":
			v.Seq = rd.Uint(math.MaxUint64)
		default:
			rd.Fail()
		}
	})
}

// decodeFlat reads data's keys into a zero T with field, called once per
// key, and stores it in dst only when the whole of data had the narrow
// shape: a message the fast reader refuses is left as it was, for
// encoding/json to decode into.
func decodeFlat[T any](data []byte, dst *T, field func(v *T, rd *flatjson.Reader)) bool {
	var v T
	var rd flatjson.Reader
	rd.Reset(data)
	for rd.Next() {
		field(&v, &rd)
	}
	if !rd.Done() {
		return false
	}
	*dst = v
	return true
}
