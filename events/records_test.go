package events

import (
	"context"
	"testing"
	"time"
)

// TestRecordsChain checks that Records yields the canonical records with
// the chain the log itself computes, and that each decodes back to itself.
func TestRecordsChain(t *testing.T) {
	ctx := context.Background()
	l, err := Open(t.TempDir(), Options{SegmentBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range 200 {
		if _, err := l.Append(ctx, Event{Type: TypeEnqueued, Actor: "operator", Atom: "dev-libs/x-1",
			Time: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	var prev Hash
	n := 0
	for r, err := range l.Records(ctx, 1) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if r.Seq != uint64(n) {
			t.Fatalf("record %d has seq %d", n, r.Seq)
		}
		if prev = ChainNext(prev, r.Data); prev != r.Chain {
			t.Fatalf("seq %d: chain %s, log says %s", r.Seq, prev, r.Chain)
		}
		want, _ := l.ChainAfter(ctx, r.Seq)
		if r.Chain != want {
			t.Fatalf("seq %d: chain %s, ChainAfter %s", r.Seq, r.Chain, want)
		}
		if e, ok, err := Canonical(r.Data); err != nil || !ok || e.Seq != r.Seq {
			t.Fatalf("seq %d: not canonical (%v, %v)", r.Seq, ok, err)
		}
	}
	if n != 200 {
		t.Fatalf("%d records, want 200", n)
	}
	for r, err := range l.Records(ctx, 150) {
		if err != nil || r.Seq != 150 {
			t.Fatalf("from 150 starts at %d (%v)", r.Seq, err)
		}
		break
	}
}
