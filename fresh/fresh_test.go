package fresh

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/commands"
)

func pretendSample(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "testdata", "emerge-pretend", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func openStore(t *testing.T) *commands.Store {
	t.Helper()
	s, err := commands.OpenStore(t.TempDir(), commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRunFromCommand: with no saved input, Run runs the sync commands in
// order until one succeeds, then the pretend command, and queues its plan.
func TestRunFromCommand(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	marker := filepath.Join(t.TempDir(), "synced")
	res, err := Run(ctx, store, Options{
		Sync:     [][]string{{"false"}, {"touch", marker}},
		Pretend:  []string{"cat", pretendSample(t, "emlop-emerge-p.qt.out.txt")},
		Tree:     "t1",
		MD5Cache: filepath.Join("..", "testdata", "graph", "macaroni-next-md5cache.tsv.gz"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the second sync command did not run: %v", err)
	}
	if len(res.Plan.Builds) == 0 || len(res.Diff.Added) != len(res.Plan.Builds) {
		t.Fatalf("plan %d builds, diff %s", len(res.Plan.Builds), res.Diff)
	}
	st, err := store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sync.Tree != "t1" || st.Status().Queue.Needed != len(res.Plan.Builds) {
		t.Fatalf("tree %q, needed %d", st.Sync.Tree, st.Status().Queue.Needed)
	}
}

// TestRunRefusesWithoutAppending: empty input, a failing pretend and a
// failing sync each leave the queue untouched, naming why.
func TestRunRefusesWithoutAppending(t *testing.T) {
	ctx := context.Background()
	for name, o := range map[string]Options{
		"empty input":   {Input: []byte{}},
		"pretend fails": {NoSync: true, Pretend: []string{"false"}},
		"no pretend":    {NoSync: true},
		"sync fails":    {Sync: [][]string{{"false"}}, Pretend: []string{"true"}},
		"slot conflict": {Input: mustRead(t, pretendSample(t, "gentoo-user-2014-libpng-slot-conflict.txt"))},
	} {
		t.Run(name, func(t *testing.T) {
			store := openStore(t)
			_, err := Run(ctx, store, o)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "untouched") {
				t.Fatalf("err %q does not say the queue is untouched", err)
			}
			n := 0
			for _, err := range store.Log().Events(ctx, 0) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 0 {
				t.Fatalf("%d events appended after %v", n, err)
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
