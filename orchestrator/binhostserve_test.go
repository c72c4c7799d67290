package orchestrator

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/binhost"
)

func getBinhost(t *testing.T, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestBinhostServing(t *testing.T) {
	ts := startServer(t, nil, "a")
	const atom = "app-misc/hello-1.0"
	ts.enqueue(atom)
	body := realPkg(t, "hello-1.0-1.gpkg.tar")
	if code, out := ts.upload("a", atom, ts.claimFor("a", atom), body, sum(body), len(body)); code != 200 {
		t.Fatalf("upload: %d %s", code, out)
	}
	// The index lists the promotion within a few seconds.
	var index string
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(index, "BUILD_ID: 1\n") {
		if time.Now().After(deadline) {
			t.Fatalf("the index does not list the package:\n%s", index)
		}
		time.Sleep(50 * time.Millisecond)
		_, index = getBinhost(t, ts.url+"/binhost/Packages", nil)
	}
	if !strings.Contains(index, "PATH: app-misc/hello/hello-1.0-1.gpkg.tar\n") || !strings.Contains(index, "CPV: app-misc/hello-1.0\n") {
		t.Fatalf("index:\n%s", index)
	}
	resp, _ := getBinhost(t, ts.url+"/binhost/Packages", nil)
	lm := resp.Header.Get("Last-Modified")
	x, err := binhost.Parse(strings.NewReader(index))
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(ts.dir, "binhost", "packages", "Packages"))
	if fi.ModTime().Unix() != mustInt(t, x.Header["TIMESTAMP"]) || lm != fi.ModTime().UTC().Format(http.TimeFormat) {
		t.Errorf("Last-Modified %s, mtime %v, TIMESTAMP %s", lm, fi.ModTime(), x.Header["TIMESTAMP"])
	}
	if resp, _ := getBinhost(t, ts.url+"/binhost/Packages", map[string]string{"If-Modified-Since": lm}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", resp.StatusCode)
	}
	resp, part := getBinhost(t, ts.url+"/binhost/app-misc/hello/hello-1.0-1.gpkg.tar", map[string]string{"Range": "bytes=0-99"})
	if resp.StatusCode != http.StatusPartialContent || len(part) != 100 || resp.Header.Get("Content-Length") != "100" {
		t.Errorf("Range: %d, %d bytes, Content-Length %s", resp.StatusCode, len(part), resp.Header.Get("Content-Length"))
	}
	if resp, key := getBinhost(t, ts.url+"/binhost/KEY.asc", nil); resp.StatusCode != 200 || !strings.Contains(key, "PUBLIC KEY") {
		t.Errorf("KEY.asc: %d %q", resp.StatusCode, key)
	}
	// Nothing outside the packages folder, however the path is spelled.
	os.WriteFile(filepath.Join(ts.dir, "config.toml"), []byte("secret"), 0o600)
	os.Symlink(filepath.Join(ts.dir, "config.toml"), filepath.Join(ts.dir, "binhost", "packages", "link"))
	for _, p := range []string{"/binhost/../config.toml", "/binhost/..%2fconfig.toml", "/binhost/%2e%2e/%2e%2e/config.toml",
		"/binhost/..%2F..%2Fconfig.toml", "/binhost/link", "/binhost/app-misc/", "/binhost/%2e%2e%5cconfig.toml",
		"/binhost/../staging/", "/binhost/..%2fsigning-key.asc"} {
		resp, got := getBinhost(t, ts.url+p, nil)
		if resp.StatusCode == http.StatusOK || strings.Contains(got, "secret") || strings.Contains(got, "PRIVATE") {
			t.Errorf("GET %s: %d %q", p, resp.StatusCode, got)
		}
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
