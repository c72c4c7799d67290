package binhost_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/swarm-build/swarm/binhost"
)

// TestRepoRevisions renders the header value exactly as portage's
// json.dumps(..., ensure_ascii=False, sort_keys=True) does.
func TestRepoRevisions(t *testing.T) {
	tests := []struct {
		in   map[string]string
		want string
	}{
		{map[string]string{}, `{}`},
		{map[string]string{"gentoo": "Sun, 23 Nov 2026 00:45:01 +0000"}, `{"gentoo": "Sun, 23 Nov 2026 00:45:01 +0000"}`},
		{map[string]string{"guru": "b", "gentoo": "a"}, `{"gentoo": "a", "guru": "b"}`},
		{map[string]string{"gentoo": `a"b\<é>&`}, `{"gentoo": "a\"b\\<é>&"}`},
	}
	for _, tc := range tests {
		if got := binhost.RepoRevisions(tc.in); got != tc.want {
			t.Errorf("RepoRevisions(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestWriteIndexRepoRevisions: the index names the farm's tree as the
// gentoo repository's revision when it is known, not at all otherwise,
// and a new tree rewrites the index even with no new promotion.
func TestWriteIndexRepoRevisions(t *testing.T) {
	f := newFarm(t)
	f.promote(helloAtom, helloCPV, "hello-1.0-1.gpkg.tar")
	st, err := f.store.Load(context.Background())
	must(t, err)
	seq, builds := st.LastPromoted(), st.Builds()
	header := func() binhost.Block {
		t.Helper()
		r, err := os.Open(f.path(binhost.IndexFile))
		must(t, err)
		defer r.Close()
		x, err := binhost.Parse(r)
		must(t, err)
		return x.Header
	}
	now := time.Now()
	if _, _, err := binhost.WriteIndex(f.dir, seq, builds, "", 0, now); err != nil {
		t.Fatal(err)
	}
	if v, ok := header()["REPO_REVISIONS"]; ok {
		t.Errorf("tree unknown: REPO_REVISIONS %q, want none", v)
	}
	for _, tree := range []string{"2026-11-23T00:45Z", "2026-11-24T00:45Z"} {
		_, wrote, err := binhost.WriteIndex(f.dir, seq, builds, tree, 0, now)
		if err != nil || !wrote {
			t.Fatalf("tree %s: wrote %v (%v)", tree, wrote, err)
		}
		if got, want := header()["REPO_REVISIONS"], `{"gentoo": "`+tree+`"}`; got != want {
			t.Errorf("REPO_REVISIONS %q, want %q", got, want)
		}
	}
}
