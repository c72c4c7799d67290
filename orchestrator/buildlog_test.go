package orchestrator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/buildlog"
	"github.com/swarm-build/swarm/config"
)

// startStateServer is startServer with a state folder, where build logs
// are kept.
func startStateServer(t *testing.T, mutate func(*config.Config), drones ...string) *testServer {
	t.Helper()
	return startServerIn(t, true, mutate, drones...)
}

func zst(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(text))
	w.Close()
	return b.Bytes()
}

func sendLog(ctx context.Context, c *api.Client, atom string, fence uint64, body []byte) error {
	return c.BuildLog(ctx, api.Upload{Atom: atom, Fence: fence, Size: int64(len(body)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }})
}

func claimOne(t *testing.T, ts *testServer, c *api.Client, atom string) api.Claim {
	t.Helper()
	ctx := context.Background()
	ts.enqueue(atom)
	if _, err := c.Register(ctx, api.RegisterRequest{Cores: 2}); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Claim(ctx, 0)
	if err != nil || resp.Claim == nil || resp.Claim.Atom != atom {
		t.Fatalf("claim = %+v, %v", resp, err)
	}
	return *resp.Claim
}

func TestBuildLogStored(t *testing.T) {
	ts := startStateServer(t, nil, "d1")
	c := ts.client("d1")
	cl := claimOne(t, ts, c, "app-misc/broken-0.1")
	ctx := context.Background()
	text := strings.Repeat(" * ERROR: app-misc/broken-0.1::farm failed (compile phase):\n", 100)
	if err := sendLog(ctx, c, cl.Atom, cl.Fence, zst(t, text)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(ts.dir, "logs", "app-misc", "broken-0.1", strconv.FormatUint(cl.Fence, 10)+".log.zst")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() >= int64(len(text)) {
		t.Errorf("stored log: mode %v, %d bytes for %d of text; want 0600, compressed", fi.Mode().Perm(), fi.Size(), len(text))
	}
	for _, d := range []string{"logs", "logs/app-misc", "logs/app-misc/broken-0.1"} {
		if di, err := os.Stat(filepath.Join(ts.dir, d)); err != nil || di.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, %v; want a 0700 folder", d, di.Mode(), err)
		}
	}
	r, err := buildlog.New(filepath.Join(ts.dir, "logs"), buildlog.Limits{}).Open(cl.Atom, cl.Fence)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, _ := io.ReadAll(r); string(got) != text {
		t.Errorf("stored log reads back %d bytes, want the %d sent", len(got), len(text))
	}
}

func TestBuildLogRefused(t *testing.T) {
	ts := startStateServer(t, func(c *config.Config) { c.Log.MaxBuildLog = 4096 }, "d1", "d2")
	c := ts.client("d1")
	cl := claimOne(t, ts, c, "app-misc/broken-0.1")
	ctx := context.Background()
	big := make([]byte, 8192)
	rand.NewChaCha8([32]byte{1}).Read(big) // incompressible
	cases := []struct {
		name  string
		c     *api.Client
		fence uint64
		body  []byte
		want  error
	}{
		{"stale fence", c, cl.Fence + 1, zst(t, "log"), api.ErrStaleFence},
		{"not the claimant", ts.client("d2"), cl.Fence, zst(t, "log"), api.ErrStaleFence},
		{"too large", c, cl.Fence, zst(t, string(big)), api.ErrRefused},
		{"not zstd", c, cl.Fence, []byte("plain text"), api.ErrBadRequest},
		{"wrong token", api.NewClient(ts.url, "d1", "nope", nil), cl.Fence, zst(t, "log"), api.ErrUnauthorized},
	}
	for _, tc := range cases {
		err := sendLog(ctx, tc.c, cl.Atom, tc.fence, tc.body)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := sendLog(ctx, c, cl.Atom, cl.Fence, zst(t, string(big))); err == nil || !strings.Contains(err.Error(), "max_build_log") {
		t.Errorf("too large: %v; want 413 naming log.max_build_log", err)
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "logs", "app-misc", "broken-0.1", strconv.FormatUint(cl.Fence, 10)+".log.zst")); !os.IsNotExist(err) {
		t.Errorf("a refused log was stored: %v", err)
	}
}

// TestBuildLogRetention: past the total limit the oldest logs go; past
// the age limit every old one does.
func TestBuildLogRetention(t *testing.T) {
	dir := t.TempDir()
	one := zst(t, strings.Repeat("x", 5000))
	s := buildlog.New(dir, buildlog.Limits{MaxTotal: int64(3*len(one) + 1), MaxAge: 24 * time.Hour})
	for fence := uint64(1); fence <= 5; fence++ {
		if _, err := s.Put("app-misc/hello-1.0", fence, bytes.NewReader(one)); err != nil {
			t.Fatal(err)
		}
		p, _ := s.Path("app-misc/hello-1.0", fence)
		old := time.Now().Add(time.Duration(fence-10) * time.Hour) // fence 1 oldest
		os.Chtimes(p, old, old)
	}
	var left []string
	for fence := uint64(1); fence <= 5; fence++ {
		if p, _ := s.Path("app-misc/hello-1.0", fence); fileExists(p) {
			left = append(left, filepath.Base(p))
		}
	}
	if strings.Join(left, " ") != "3.log.zst 4.log.zst 5.log.zst" {
		t.Errorf("kept %v; want the newest three within the total", left)
	}
	gone, err := s.Prune(time.Now().Add(24*time.Hour - 6*time.Hour - time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 1 || filepath.Base(gone[0]) != "3.log.zst" {
		t.Errorf("pruned by age %v; want 3.log.zst alone (older than a day by then)", gone)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
