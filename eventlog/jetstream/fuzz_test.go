package jetstream

import (
	"errors"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/events"
)

// FuzzParseWitness: any bytes in the witness file give an error or a
// witness that prints back the same.
func FuzzParseWitness(f *testing.F) {
	f.Add("10 " + strings.Repeat("ab", 32) + "\n")
	f.Add("0 " + strings.Repeat("00", 32))
	f.Add("10")
	f.Add("x y")
	f.Add("18446744073709551616 " + strings.Repeat("ab", 32))
	f.Add("1 " + strings.Repeat("zz", 32))
	f.Fuzz(func(t *testing.T, s string) {
		seq, head, err := parseWitness(s)
		if err != nil {
			return
		}
		seq2, head2, err := parseWitness(strings.Join([]string{uitoa(seq), head.String()}, " "))
		if err != nil || seq2 != seq || head2 != head {
			t.Fatalf("%q parsed to %d %s, which does not parse back: %v", s, seq, head, err)
		}
	})
}

func uitoa(v uint64) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + v%10)}, b...)
		if v /= 10; v == 0 {
			return string(b)
		}
	}
}

// FuzzParseAck: any answer to a publish is a sequence number or an error,
// and a wrong-last-sequence error is always a conflict.
func FuzzParseAck(f *testing.F) {
	f.Add([]byte(`{"stream":"SWARM_farm","seq":7}`))
	f.Add([]byte(`{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 6"}}`))
	f.Add([]byte(`{"error":{"code":400,"err_code":10164,"description":"wrong last sequence"}}`))
	f.Add([]byte(`{"error":{"code":503,"err_code":10077,"description":"insufficient resources"}}`))
	f.Add([]byte(`{"seq":0}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, err := parseAck(b)
		if err == nil && seq == 0 {
			t.Fatalf("%q: seq 0 without an error", b)
		}
		if err != nil && seq != 0 {
			t.Fatalf("%q: seq %d and an error %v", b, seq, err)
		}
		if errors.Is(err, events.ErrConflict) && !strings.Contains(string(b), "10") {
			t.Fatalf("%q: a conflict from an answer without its code", b)
		}
	})
}
