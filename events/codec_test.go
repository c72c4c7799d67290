package events

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"testing"
	"time"
)

// recordTime is the time of the events of these tests.
var recordTime = time.Date(2026, 1, 23, 2, 0, 0, 0, time.UTC)

// richEvent sets every field, so seeds reach every field of the codec.
func richEvent() Event {
	return Event{Seq: 42, Time: recordTime, Type: TypeDroneRegistered, Actor: "drone-01", Atom: "sys-devel/gcc-14.2.1_p20241221",
		Drone: "drone-01", Reason: "why not", Signature: "slot-conflict", Excerpt: "!!! Multiple package instances\n",
		Fence: 7, Lease: time.Minute, Until: recordTime.Add(time.Hour), Attempt: 3, Tree: "gentoo@abc123",
		Cores: 32, MemoryMB: 65536, Capabilities: []string{"amd64", "", "lto"}, Health: "healthy", Version: "1.2.3",
		CPUPercent: 12.34, MemoryPercent: 56.78, DiskPercent: 61.5, Load: 3.25, Progress: 1 << 20,
		SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Size: 123456,
		Pattern: "dev-lang/*", Remote: "binhost", Count: 2500, Final: true,
		BuildID: 3, Path: "app-misc/hello/hello-1.0-3.gpkg.tar", CPV: "app-misc/hello-1.0",
		FileSHA256: "0000000000000000000000000000000000000000000000000000000000000001", Entry: "CPV: app-misc/hello-1.0\nSIZE: 1\n",
		Portage: []string{"CFLAGS=-O2 -pipe", "CHOST=x86_64-pc-linux-gnu"}, Fingerprint: "5c0ffee1d2a3"}
}

// roundTrip encodes e and decodes the record.
func roundTrip(t *testing.T, e Event) Event {
	t.Helper()
	var got Event
	if err := NewDecoder().Decode(AppendRecord(nil, &e), &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return got
}

// TestRecordKeepsTimes: a time the log stores (to the millisecond) is read
// back as the same instant, the Unix epoch and times before it included.
func TestRecordKeepsTimes(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"now", recordTime},
		{"unix epoch", time.Unix(0, 0).UTC()},
		{"a millisecond after the epoch", time.UnixMilli(1).UTC()},
		{"before 1970", time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)},
		{"year 1 plus a millisecond", time.Time{}.Add(time.Millisecond).UTC()},
		{"far future", time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := roundTrip(t, Event{Type: TypeGrounded, Time: tc.at, Until: tc.at})
			if !got.Time.Equal(tc.at) || !got.Until.Equal(tc.at) {
				t.Fatalf("stored %v, read back time %v and until %v", tc.at, got.Time, got.Until)
			}
		})
	}
}

// TestRecordCanonical: decoding a record and encoding the event again gives
// a record that decodes to the same event and encodes to the same bytes,
// whatever the values, so a replayed event can be re-appended or hashed.
func TestRecordCanonical(t *testing.T) {
	rich := richEvent()
	for _, tc := range []struct {
		name string
		e    Event
	}{
		{"every field", rich},
		{"type only", Event{Type: TypeQueueResumed}},
		{"unknown type", Event{Type: Type(200)}},
		{"largest lease", Event{Lease: math.MaxInt64}},
		{"negative lease", Event{Lease: -time.Second}},
		{"empty capability", Event{Capabilities: []string{""}}},
		{"percent of 2^51 hundredths", Event{CPUPercent: float64(uint64(1)<<51+3) / 100}},
		{"huge percent", Event{MemoryPercent: 1e300}},
		{"infinite load", Event{Load: math.Inf(1)}},
		{"largest counters", Event{Fence: math.MaxUint64, Size: math.MaxUint64, Count: math.MaxUint64, Progress: math.MaxUint64,
			MemoryMB: math.MaxUint64, Cores: math.MaxUint32, Attempt: math.MaxUint32}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			once := roundTrip(t, tc.e)
			twice := roundTrip(t, once)
			if !reflect.DeepEqual(once, twice) {
				t.Fatalf("decoded event changes when encoded again:\nonce  %+v\ntwice %+v", once, twice)
			}
			if a, b := AppendRecord(nil, &once), AppendRecord(nil, &twice); !bytes.Equal(a, b) {
				t.Fatalf("encoding is not canonical:\n%x\n%x", a, b)
			}
		})
	}
}

// TestDecodeCanonical feeds the decoder records holding field values the
// encoder may not write itself (the fuzzer's finds among them): what it
// decodes must encode to a record that decodes to the same event.
func TestDecodeCanonical(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field uint64
		v     uint64
	}{
		{"until at the epoch", fUntil, 0},
		{"until before the epoch", fUntil, zigzag(-1)},
		{"cpu of 2^51 and more hundredths", fCPU, 4331521313015995},
		{"cpu of 2^52 hundredths", fCPU, 1 << 52},
		{"largest load", fLoad, math.MaxUint64},
		{"largest lease", fLease, math.MaxUint64},
		{"largest attempt", fAttempt, math.MaxUint64},
		{"final of 2", fFinal, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := AppendRecord(nil, &Event{Seq: 1, Type: TypeDroneHealth})
			rec = binary.AppendUvarint(rec, tc.field<<3|wireVarint)
			rec = binary.AppendUvarint(rec, tc.v)
			var once, twice Event
			if err := NewDecoder().Decode(rec, &once); err != nil {
				t.Fatal(err)
			}
			again := AppendRecord(nil, &once)
			if err := NewDecoder().Decode(again, &twice); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(once, twice) {
				t.Fatalf("decoded event changes when encoded again:\nonce  %+v\ntwice %+v", once, twice)
			}
		})
	}
}
