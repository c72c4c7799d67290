package jetstream_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/projections"
)

// TestProjectionsSameOnBothBackends: a farm's event mix in a file log,
// copied into JetStream; every projection folded from either log is the
// same, snapshot byte for snapshot byte (head included).
func TestProjectionsSameOnBothBackends(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	src := fileLog(t, filepath.Join(root, "events"))
	evs := eventmix.Generate(13, 8, 20_000)
	for i := 0; i < len(evs); i += eventlog.CopyBatch {
		if _, err := src.Append(ctx, evs[i:min(i+eventlog.CopyBatch, len(evs))]...); err != nil {
			t.Fatal(err)
		}
	}
	js := openJS(t, filepath.Join(root, "js"))
	defer js.Close()
	if _, err := eventlog.Copy(ctx, js, src); err != nil {
		t.Fatal(err)
	}
	snap := func(name string, l eventlog.Log) []byte {
		st, err := projections.Replay(ctx, l, nil, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		head, err := l.ChainAfter(ctx, st.Seq)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "snap-"+name)
		if err := projections.Save(dir, st, head); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) != 1 {
			t.Fatalf("%s: snapshot files %v", name, files)
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: seq %d, %d bytes", name, st.Seq, len(b))
		return b
	}
	if a, b := snap("file", src), snap("jetstream", js); !bytes.Equal(a, b) {
		t.Fatalf("the projections differ: a %d-byte snapshot from the file log, %d bytes from JetStream", len(a), len(b))
	}
}
