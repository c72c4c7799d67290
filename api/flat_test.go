package api

import (
	"encoding/json"
	"reflect"
	"testing"
)

// flatMessages are the messages of every build, each written by its own
// AppendJSON and read by its own DecodeFlat.
func flatMessages(atom, reason string, n uint64, i int64) []FlatEncoder {
	return []FlatEncoder{
		ClaimRequest{WaitMS: i},
		CompleteRequest{Atom: atom, Fence: n, SHA256: reason, Size: n / 3},
		CompleteRequest{Atom: atom, Fence: n},
		ClaimResponse{Claim: &Claim{Atom: atom, Fence: n, Attempt: uint32(n), LeaseMS: i, ExpectedMS: -i}, Reason: reason},
		ClaimResponse{Reason: reason},
		Ack{Seq: n},
	}
}

// checkFlat fails unless m writes what json.Marshal writes and reads that
// back as json.Unmarshal does.
func checkFlat(t *testing.T, m FlatEncoder) {
	t.Helper()
	want, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got := m.AppendJSON(nil)
	if string(got) != string(want) {
		t.Fatalf("%T writes %s, json.Marshal %s", m, got, want)
	}
	back := reflect.New(reflect.TypeOf(m))
	if !back.Interface().(FlatDecoder).DecodeFlat(append(got, '\n')) {
		if isPlainASCII(got) {
			t.Fatalf("%T does not read back its own %s", m, got)
		}
		return // escapes or non-ASCII: encoding/json's to read
	}
	if !reflect.DeepEqual(back.Elem().Interface(), m) {
		t.Fatalf("%T read %s back as %+v, want %+v", m, got, back.Elem().Interface(), m)
	}
}

func isPlainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

func TestFlatMessagesWriteWhatMarshalWrites(t *testing.T) {
	for _, m := range flatMessages("dev-lang/go-1.26.8", "queue empty", 1<<40+7, 120000) {
		checkFlat(t, m)
	}
	for _, m := range flatMessages("", "", 0, 0) {
		checkFlat(t, m)
	}
	for _, m := range flatMessages("<a & \"b\">\n", "grounded until ü \xff", ^uint64(0), -1<<63) {
		checkFlat(t, m)
	}
}

func FuzzFlatMessages(f *testing.F) {
	f.Add("dev-lang/go-1.26.8", "queue empty", uint64(17), int64(1000))
	f.Add("a\"b", "\u2028", ^uint64(0), int64(-1))
	f.Fuzz(func(t *testing.T, atom, reason string, n uint64, i int64) {
		for _, m := range flatMessages(atom, reason, n, i) {
			checkFlat(t, m)
		}
	})
}

// What DecodeFlat takes, json.Unmarshal takes too and reads the same; and
// a message DecodeFlat refuses is left as it was.
func FuzzDecodeFlatAgreesWithUnmarshal(f *testing.F) {
	for _, m := range flatMessages("dev-lang/go-1.26.8", "queue empty", 17, 1000) {
		f.Add(m.AppendJSON(nil))
	}
	f.Add([]byte(`{"claim":{"atom":"a","atom":"b"}}`))
	f.Add([]byte(`{"claim":null,"claim":{"fence":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []FlatDecoder{&ClaimRequest{}, &CompleteRequest{}, &ClaimResponse{}, &Ack{}} {
			typ := reflect.TypeOf(m).Elem()
			if !m.DecodeFlat(data) {
				if !reflect.ValueOf(m).Elem().IsZero() {
					t.Fatalf("%T refused %q but changed: %+v", m, data, m)
				}
				continue
			}
			want := reflect.New(typ).Interface()
			if err := json.Unmarshal(data, want); err != nil {
				t.Fatalf("%T read %q, json.Unmarshal refuses it: %v", m, data, err)
			}
			if !reflect.DeepEqual(m, want) {
				t.Fatalf("%T read %q as %+v, json.Unmarshal as %+v", m, data, m, want)
			}
		}
	})
}
