package drone

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/api"
)

// makePkg is a build command that leaves one package of the given bytes
// (printf format) in its PKGDIR, as emerge --buildpkg does.
// makePkg is a build command that leaves a package of the atom it builds
// (CATEGORY/PN/PF-1.gpkg.tar, for atoms whose version has no '-') holding
// content.
func makePkg(content string) []string {
	return []string{"sh", "-c", `c=${SWARM_ATOM%%/*} pf=${SWARM_ATOM#*/}; pn=${pf%-*}; mkdir -p "$PKGDIR/$c/$pn" && ` +
		`printf '` + content + `' >"$PKGDIR/$c/$pn/$pf-1.gpkg.tar"`, "{atom}"}
}

func completes(f *fakeOrchestrator) func() bool {
	return func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.completes) })
		return n > 0
	}
}

func fails(f *fakeOrchestrator) func() bool {
	return func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.fails) })
		return n > 0
	}
}

func TestAgentUploadsPackage(t *testing.T) {
	f := newFake(t, makePkg("gpkg bytes")...)
	f.enqueue("dev-libs/a-1")
	r := startAgent(t, f, 1, nil)
	waitFor(t, "the completion", completes(f))
	sum := sha256.Sum256([]byte("gpkg bytes"))
	hash := hex.EncodeToString(sum[:])
	f.with(func(f *fakeOrchestrator) {
		if len(f.uploads) != 1 {
			t.Fatalf("uploads = %+v, want one", f.uploads)
		}
		u := f.uploads[0]
		want := map[string]string{"atom": "dev-libs/a-1", "fence": "1", "name": "dev-libs/a/a-1-1.gpkg.tar", "sha256": hash, "size": "10"}
		for k, v := range want {
			if u.query[k] != v {
				t.Errorf("query %s = %q, want %q", k, u.query[k], v)
			}
		}
		if u.contentType != "application/octet-stream" || u.contentLength != 10 || u.gotSHA256 != hash || u.gotSize != 10 {
			t.Errorf("upload = %+v; want octet-stream, length 10, body hashing to %s", u, hash)
		}
		if c := f.completes[0]; c.SHA256 != hash || c.Size != 10 {
			t.Errorf("complete = %+v, want sha256 %s size 10", c, hash)
		}
	})
	waitFor(t, "the PKGDIR removed", func() bool {
		_, err := os.Stat(filepath.Join(r.logDir, "dev-libs_a-1.1.pkgdir"))
		return os.IsNotExist(err)
	})
}

// TestAgentUploadRetries: an orchestrator answering 503 gets the upload
// again, whole, until it takes it.
func TestAgentUploadRetries(t *testing.T) {
	f := newFake(t, makePkg("gpkg bytes")...)
	f.with(func(f *fakeOrchestrator) { f.refuse[api.VerbBinpkg] = 2 })
	f.enqueue("dev-libs/a-1")
	startAgent(t, f, 1, nil)
	waitFor(t, "the completion", completes(f))
	f.with(func(f *fakeOrchestrator) {
		if f.reportCalls[api.VerbBinpkg] != 3 || len(f.uploads) != 1 || f.uploads[0].gotSize != 10 {
			t.Errorf("binpkg calls = %d, uploads %+v; want 2 refused then one whole", f.reportCalls[api.VerbBinpkg], f.uploads)
		}
	})
}

// TestAgentUploadEnds: answers that end a build's reporting at the upload:
// 422 (rejected: the package was taken back) and 409 (stale) are told
// nothing more, once; another 4xx is not retried and fails the build.
func TestAgentUploadEnds(t *testing.T) {
	for _, tc := range []struct {
		name     string
		set      func(f *fakeOrchestrator)
		wantFail string
	}{
		{"rejected", func(f *fakeOrchestrator) { f.reject["dev-libs/a-1"] = true }, ""},
		{"stale", func(f *fakeOrchestrator) { f.stale["dev-libs/a-1"] = true }, ""},
		{"too large", func(f *fakeOrchestrator) { f.binpkgStatus = http.StatusRequestEntityTooLarge }, "upload-refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, makePkg("gpkg bytes")...)
			f.with(tc.set)
			f.enqueue("dev-libs/a-1", "dev-libs/b-1")
			startAgent(t, f, 1, nil)
			// b-1 makes the same package file under its own PKGDIR; its
			// claim comes after a-1's reporting ended.
			waitFor(t, "the second build's upload", func() bool {
				var n int
				f.with(func(f *fakeOrchestrator) { n = len(f.uploads) })
				return n >= 2
			})
			f.with(func(f *fakeOrchestrator) {
				if f.uploads[0].query["atom"] != "dev-libs/a-1" || f.uploads[1].query["atom"] != "dev-libs/b-1" {
					t.Errorf("uploads = %+v; want a-1 once, then b-1", f.uploads)
				}
				for _, c := range f.completes {
					if c.Atom == "dev-libs/a-1" {
						t.Errorf("a-1 completed after its upload ended its reporting: %+v", c)
					}
				}
				var fail string
				for _, r := range f.fails {
					if r.Atom == "dev-libs/a-1" {
						fail = r.Signature
					}
				}
				if fail != tc.wantFail {
					t.Errorf("a-1 failed with %q, want %q", fail, tc.wantFail)
				}
			})
		})
	}
}

// TestAgentXpakFails: an xpak package is not uploaded; the build fails,
// saying why.
func TestAgentXpakFails(t *testing.T) {
	f := newFake(t, "sh", "-c", `mkdir -p "$PKGDIR/dev-libs" && echo x >"$PKGDIR/dev-libs/a-1.tbz2"`, "{atom}")
	f.enqueue("dev-libs/a-1")
	startAgent(t, f, 1, nil)
	waitFor(t, "the failure", fails(f))
	f.with(func(f *fakeOrchestrator) {
		fail := f.fails[0]
		if fail.Signature != "xpak-package" || !strings.Contains(fail.Reason, "dev-libs/a-1.tbz2") || !strings.Contains(fail.Reason, "gpkg") {
			t.Errorf("fail = %+v; want xpak-package naming the file", fail)
		}
		if f.reportCalls[api.VerbBinpkg] != 0 || len(f.completes) != 0 {
			t.Errorf("binpkg calls %d, completes %v; want none", f.reportCalls[api.VerbBinpkg], f.completes)
		}
	})
}

// TestAgentUploadStreams: a 50 MiB package travels without the drone
// holding it in memory: halfway through the body, the heap in use has not
// grown by anything near the file's size.
func TestAgentUploadStreams(t *testing.T) {
	const size = 50 << 20
	f := newFake(t, "sh", "-c", `mkdir -p "$PKGDIR/dev-libs/a" && head -c 52428800 /dev/zero >"$PKGDIR/dev-libs/a/a-1-1.gpkg.tar"`, "{atom}")
	var base, mid uint64
	f.with(func(f *fakeOrchestrator) {
		f.midUpload = func() {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mid = m.HeapInuse
		}
	})
	startAgent(t, f, 1, nil)
	waitFor(t, "the registration", func() bool {
		var ok bool
		f.with(func(f *fakeOrchestrator) { ok = f.registered })
		return ok
	})
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base = m.HeapInuse
	f.enqueue("dev-libs/a-1")
	waitFor(t, "the completion", completes(f))
	f.with(func(f *fakeOrchestrator) {
		if len(f.uploads) != 1 || f.uploads[0].gotSize != size || f.completes[0].Size != size {
			t.Fatalf("uploads %+v, completes %+v; want one of %d bytes", f.uploads, f.completes, size)
		}
	})
	if grew := int64(mid) - int64(base); grew > size/3 {
		t.Errorf("heap in use grew by %d MiB during the upload of a %d MiB package; want it streamed", grew>>20, size>>20)
	}
	t.Logf("heap in use: %d MiB before, %d MiB halfway through the upload", base>>20, mid>>20)
}
