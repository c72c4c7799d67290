package forensics

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// FuzzReadBundle: any bytes are a bundle whose events replay and whose
// incidents can be found, or ErrBadBundle; never a panic.
func FuzzReadBundle(f *testing.F) {
	ctx := context.Background()
	farm := stormFarm(f)
	l, err := events.Open(f.TempDir(), events.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Append(ctx, farm.log...); err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := WriteBundle(&buf, l.Records(ctx, 1), config.Template(),
		[]BundleLog{{Atom: "dev-libs/p0-1.0", Fence: 14, Text: []byte("x\n")}}, t0); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Add([]byte("(\xb5/\xfd"))
	maxBundleBytes = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadBundle(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrBadBundle) {
				t.Fatalf("error %v is not ErrBadBundle", err)
			}
			return
		}
		if _, err := projections.Replay(ctx, b, nil, 0); err != nil {
			t.Fatalf("a bundle that reads does not replay: %v", err)
		}
		if _, err := Find(ctx, b, time.Minute, time.Time{}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzWithSettings: a setting is applied, giving text that parses, or
// refused with ErrBadSetting and the text unchanged.
func FuzzWithSettings(f *testing.F) {
	f.Add("ground_after=3")
	f.Add("lease=30s")
	f.Add("systemic_fraction=0.8")
	f.Add("build.stall_after=\"10m\"")
	f.Add("=")
	f.Add("ground_after")
	f.Fuzz(func(t *testing.T, kv string) {
		base := config.Template()
		orig := bytes.Clone(base)
		out, err := WithSettings(base, []string{kv})
		if !bytes.Equal(base, orig) {
			t.Fatal("WithSettings changed its input")
		}
		if err != nil {
			if !errors.Is(err, ErrBadSetting) {
				t.Fatalf("error %v is not ErrBadSetting", err)
			}
			return
		}
		if _, err := config.Parse(out); err != nil {
			t.Fatalf("%q gave text that does not parse: %v", kv, err)
		}
	})
}

// FuzzVerifyPage: a page of records either continues the chain, record by
// record and canonical, or is refused.
func FuzzVerifyPage(f *testing.F) {
	e := events.Event{Seq: 1, Time: t0, Type: events.TypeEnqueued, Actor: "operator", Atom: "dev-libs/x-1"}
	rec := events.AppendRecord(nil, &e)
	f.Add(rec)
	f.Add(append(bytes.Clone(rec), 0xf8, 0x03, 0x01)) // an unknown field
	f.Fuzz(func(t *testing.T, rec []byte) {
		h := events.ChainNext(events.Hash{}, rec)
		page := api.LogPage{Records: []api.LogRecord{{Seq: 1, Data: rec, Chain: h.String()}}}
		evs, got, err := verifyPage(page, events.Hash{})
		if err != nil {
			if !errors.Is(err, ErrBadChain) && !errors.Is(err, ErrNewerLog) {
				t.Fatalf("error %v is neither ErrBadChain nor ErrNewerLog", err)
			}
			return
		}
		if got != h || len(evs) != 1 || !bytes.Equal(events.AppendRecord(nil, &evs[0]), rec) {
			t.Fatalf("accepted a record that is not canonical")
		}
	})
}
