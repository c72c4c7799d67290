package orchestrator

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// bigSize is the package: 200 MiB of image.
const bigSize = 200 << 20

const bigAtom = "app-misc/hello-1.0"

// bigGpkg writes to dir a valid gpkg of app-misc/hello-1.0 (the real
// fixture's gpkg-1 and metadata members) whose image.tar.zst is size
// bytes of incompressible data, with a Manifest that lists every member's
// size, BLAKE2B and SHA512, as portage writes it. It returns the path and
// the file's SHA-256.
func bigGpkg(b *testing.B, dir string, size int64) (string, string) {
	b.Helper()
	src, err := os.ReadFile(filepath.Join("..", "portage", "gpkg", "testdata", "real", "hello-1.0-1.gpkg.tar"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "big.gpkg.tar")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	whole := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(f, whole))
	var manifest strings.Builder
	member := func(name string, size int64, body io.Reader) {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: "hello-1.0-1/" + name, Size: size, Mode: 0o644,
			ModTime: time.Unix(1764795480, 0), Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(h); err != nil {
			b.Fatal(err)
		}
		b2, _ := blake2b.New512(nil)
		s5 := sha512.New()
		if _, err := io.Copy(io.MultiWriter(tw, b2, s5), body); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&manifest, "DATA %s %d BLAKE2B %s SHA512 %s\n", name, size,
			hex.EncodeToString(b2.Sum(nil)), hex.EncodeToString(s5.Sum(nil)))
	}
	tr := tar.NewReader(bytes.NewReader(src))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		switch name := filepath.Base(h.Name); {
		case name == "gpkg-1" || strings.HasPrefix(name, "metadata.tar"):
			member(name, h.Size, tr)
		case strings.HasPrefix(name, "image.tar"):
			rng := rand.NewChaCha8([32]byte{9})
			member("image.tar.zst", size, io.LimitReader(rng, size))
		}
	}
	m := manifest.String()
	member("Manifest", int64(len(m)), strings.NewReader(m))
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, hex.EncodeToString(whole.Sum(nil))
}

// copyFile is the raw side: the file copied on the same disk and fsynced.
func copyFile(b *testing.B, src, dir string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, "copy-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(out.Name())
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// rawHTTP serves POST: the body written to a new file in dir and fsynced,
// nothing else; the transfer's own cost, without swarm's checks.
func rawHTTP(b *testing.B, dir string) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.CreateTemp(dir, "raw-*")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := io.Copy(f, r.Body); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := f.Sync(); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// post streams the file at path to url (the drone's way: from the file,
// Content-Length set) and returns the status and the answer.
func post(b *testing.B, url, token, path string) (int, string) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	req, _ := http.NewRequest("POST", url, f)
	req.ContentLength = fi.Size()
	req.Header.Set("Content-Type", "application/octet-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// rebuild completes the claim and puts the atom back in the queue, so the
// next round claims it again (and gets the next BUILD_ID).
func rebuild(b *testing.B, ts *testServer, fence uint64) {
	b.Helper()
	ctx := context.Background()
	if _, err := ts.store.Execute(ctx, commands.Complete("a", bigAtom, fence, commands.Binpkg{})); err != nil {
		b.Fatal(err)
	}
	_, err := ts.store.Execute(ctx, func(*projections.State) ([]events.Event, error) {
		return []events.Event{{Type: events.TypeDequeued, Actor: "operator", Atom: bigAtom},
			{Type: events.TypeEnqueued, Actor: "operator", Atom: bigAtom}}, nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUpload200M: a 200 MiB package through the real server on
// loopback (stage + SHA-256, gpkg verification, BUILD_ID, signing,
// publish, the promoted event, and the answer after the index lists it),
// interleaved round by round with copying the same file on the same disk
// (io.Copy + fsync) and with a bare HTTP upload to a file (+ fsync).
// ratio is the median of the rounds' upload/copy throughput ratios;
// accept-ratio the same for the upload proper: from its first byte to the
// server holding it received, its size and SHA-256 checked (the issue's
// "upload throughput"; promotion is measured on its own beside it).
func BenchmarkUpload200M(b *testing.B) {
	// A drone that sends no heartbeats keeps its claim through a slow upload.
	ts := startServer(b, func(c *config.Config) {
		c.Farm.Heartbeat.Duration, c.Farm.Lease.Duration = time.Minute, 10*time.Minute
	}, "a")
	pkg, sha := bigGpkg(b, b.TempDir(), bigSize)
	fi, err := os.Stat(pkg)
	if err != nil {
		b.Fatal(err)
	}
	size := fi.Size()
	raw := rawHTTP(b, ts.dir)
	ts.enqueue(bigAtom)
	mb := float64(size) / 1e6
	var stagedAt atomic.Int64 // set by the server's goroutine
	ts.srv.staged = func() { stagedAt.Store(time.Now().UnixNano()) }
	var copyS, rawS, upS, ratios, rawRatios, promotedS, listedS, acceptS, acceptRatios []float64
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		copyFile(b, pkg, ts.dir)
		c := time.Since(t0).Seconds()

		t0 = time.Now()
		if code, out := post(b, raw, "", pkg); code != http.StatusOK {
			b.Fatalf("raw upload: %d %s", code, out)
		}
		r := time.Since(t0).Seconds()

		b.StopTimer()
		fence := ts.claimFor("a", bigAtom)
		url := fmt.Sprintf("%s%s?atom=%s&fence=%d&name=x.gpkg.tar&sha256=%s&size=%d",
			ts.url, api.DronePath("a", api.VerbBinpkg), bigAtom, fence, sha, size)
		b.StartTimer()
		t0 = time.Now()
		if code, out := post(b, url, "token-a", pkg); code != http.StatusOK {
			b.Fatalf("upload: %d %s", code, out)
		}
		u := time.Since(t0).Seconds()
		b.StopTimer()
		st, err := ts.store.Load(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		builds := st.Builds()
		toPromoted := builds[len(builds)-1].Time.Sub(t0).Seconds()
		accepted := time.Unix(0, stagedAt.Load()).Sub(t0).Seconds()
		acceptS, acceptRatios = append(acceptS, accepted), append(acceptRatios, c/accepted)
		promotedS, listedS = append(promotedS, toPromoted), append(listedS, u-toPromoted)
		rebuild(b, ts, fence)
		b.StartTimer()

		copyS, rawS, upS = append(copyS, c), append(rawS, r), append(upS, u)
		ratios, rawRatios = append(ratios, c/u), append(rawRatios, c/r)
	}
	b.StopTimer()
	b.ReportMetric(mb/median(copyS), "copy-MB/s")
	b.ReportMetric(mb/median(rawS), "rawhttp-MB/s")
	b.ReportMetric(mb/median(upS), "upload-MB/s")
	b.ReportMetric(mb/median(acceptS), "accept-MB/s")
	b.ReportMetric(median(acceptRatios), "accept-ratio")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(median(rawRatios), "rawhttp-ratio")
	b.ReportMetric(median(promotedS), "to-promoted-s")
	b.ReportMetric(median(listedS), "promoted-to-answer-s")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
	b.ReportMetric(slices.Max(ratios), "ratio-max")
}

// BenchmarkUpload200MPhases splits the server's work on the same package
// into its phases, called as the handler calls them (binhost.Stage from
// the file, binhost.Check, binhost.Promote), each against a copy of the
// file on the same disk: what the upload's time is made of, without HTTP
// and the index's batching.
func BenchmarkUpload200MPhases(b *testing.B) {
	dir := b.TempDir()
	pkg, sha := bigGpkg(b, dir, bigSize)
	fi, err := os.Stat(pkg)
	if err != nil {
		b.Fatal(err)
	}
	size := fi.Size()
	cpv, _ := commands.AtomCPV(bigAtom)
	hub := filepath.Join(dir, "binhost")
	mb := float64(size) / 1e6
	var copyS, stageS, checkS, promoteS, floorS []float64
	b.SetBytes(size)
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		copyFile(b, pkg, dir)
		copyS = append(copyS, time.Since(t0).Seconds())

		f, err := os.Open(pkg)
		if err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		st, err := binhost.Stage(hub, f, 8<<30, size, sha)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		stageS = append(stageS, time.Since(t0).Seconds())

		t0 = time.Now()
		if _, err := binhost.Check(st.Path, cpv); err != nil {
			b.Fatal(err)
		}
		checkS = append(checkS, time.Since(t0).Seconds())

		t0 = time.Now()
		p, err := binhost.Promote(hub, st.Path, cpv, uint64(i+1), testKey(), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		promoteS = append(promoteS, time.Since(t0).Seconds())
		os.Remove(st.Path)
		os.Remove(filepath.Join(hub, binhost.PackagesDir, filepath.FromSlash(p.Path)))

		t0 = time.Now()
		hashFloor(b, pkg)
		floorS = append(floorS, time.Since(t0).Seconds())
	}
	b.StopTimer()
	b.ReportMetric(mb/median(copyS), "copy-MB/s")
	b.ReportMetric(mb/median(stageS), "stage-MB/s")
	b.ReportMetric(mb/median(checkS), "check-MB/s")
	b.ReportMetric(mb/median(promoteS), "promote-MB/s")
	b.ReportMetric(mb/median(floorS), "hashfloor-MB/s")
}

// hashFloor reads the file once through every hash the farm must compute
// over a package at least once: SHA-256 of the upload and of the signed
// file, BLAKE2B and SHA512 for the Manifest check, SHA512 for the image's
// signature, MD5 and SHA1 for the index. No implementation of the upload
// can be faster than this on one core.
func hashFloor(b *testing.B, path string) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b2, _ := blake2b.New512(nil)
	ws := []io.Writer{sha256.New(), sha256.New(), b2, sha512.New(), sha512.New(), md5.New(), sha1.New()}
	if _, err := io.Copy(io.MultiWriter(ws...), f); err != nil {
		b.Fatal(err)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
