package forensics

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

func TestBundleRoundTrip(t *testing.T) {
	ctx := context.Background()
	f := stormFarm(t)
	l := openLog(t)
	if _, err := l.Append(ctx, f.log...); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	logs := []BundleLog{{Atom: "dev-libs/p0-1.0", Fence: 5, Text: []byte(" * ERROR: dev-libs/p0-1.0 failed\n")}}
	m, err := WriteBundle(&buf, l.Records(ctx, 1), []byte("[farm]\nground_after = 2\n"), logs, t0)
	if err != nil {
		t.Fatal(err)
	}
	chain, _ := l.ChainAfter(ctx, uint64(len(f.log)))
	if m.Last != uint64(len(f.log)) || m.Chain != chain.String() {
		t.Fatalf("manifest %+v, log ends at %d with %s", m, len(f.log), chain)
	}
	b, err := ReadBundle(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if string(b.Config) != "[farm]\nground_after = 2\n" || len(b.Logs) != 1 || b.Logs[0].Atom != "dev-libs/p0-1.0" || b.Logs[0].Fence != 5 {
		t.Errorf("config %q, logs %+v", b.Config, b.Logs)
	}
	st, err := projections.Replay(ctx, b, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Seq != f.st.Seq || st.Count(projections.Needed) != f.st.Count(projections.Needed) {
		t.Errorf("the bundle replays to seq %d, %d needed; the farm was at %d, %d", st.Seq,
			st.Count(projections.Needed), f.st.Seq, f.st.Count(projections.Needed))
	}
	if got := only(t, mustFind(t, b), KindGroundingStorm); len(got.Drones) != 3 {
		t.Errorf("the bundle's storm: %+v", got)
	}
}

func mustFind(t *testing.T, src projections.Source) []Incident {
	got, err := Find(context.Background(), src, 10*time.Minute, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestBundleRefusesTampering(t *testing.T) {
	ctx := context.Background()
	f := stormFarm(t)
	l := openLog(t)
	if _, err := l.Append(ctx, f.log...); err != nil {
		t.Fatal(err)
	}
	// A record changed after the log wrote it: it still decodes, but the
	// chain no longer ends where the manifest says.
	recs := func(yield func(events.Record, error) bool) {
		for r, err := range l.Records(ctx, 1) {
			if r.Seq == 4 {
				r.Data = bytes.Replace(r.Data, []byte("dev-libs/p0"), []byte("dev-libs/q0"), 1)
			}
			if !yield(r, err) {
				return
			}
		}
	}
	var bad bytes.Buffer
	if _, err := WriteBundle(&bad, recs, nil, nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBundle(&bad); !errors.Is(err, ErrBadBundle) {
		t.Errorf("a changed record: %v, want ErrBadBundle", err)
	}
	if _, err := ReadBundle(bytes.NewReader([]byte("not a bundle"))); !errors.Is(err, ErrBadBundle) {
		t.Errorf("garbage: %v", err)
	}
}

// TestBundleDecompressionBound: a bundle that decompresses past the bound
// is refused, not read into memory.
func TestBundleDecompressionBound(t *testing.T) {
	defer func(n int64) { maxBundleBytes = n }(maxBundleBytes)
	maxBundleBytes = 4096
	var buf bytes.Buffer
	none := func(func(events.Record, error) bool) {}
	if _, err := WriteBundle(&buf, none, bytes.Repeat([]byte("#\n"), 4096), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 4096/4 {
		t.Fatalf("the test bundle does not compress well: %d bytes", buf.Len())
	}
	data := buf.Bytes()
	if _, err := ReadBundle(bytes.NewReader(data)); !errors.Is(err, ErrBadBundle) {
		t.Errorf("ReadBundle: %v; want ErrBadBundle", err)
	}
	maxBundleBytes = 1 << 20
	if _, err := ReadBundle(bytes.NewReader(data)); err != nil {
		t.Errorf("under a larger bound the same bundle reads: %v", err)
	}
}
