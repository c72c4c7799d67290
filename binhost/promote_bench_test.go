package binhost_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/projections"
)

// BenchmarkPromoteReal measures the promotion of one package as the
// orchestrator does it after an upload is staged, on the real packages
// portage built (testdata/real hello-1.0 and greeter-2.1, alternately):
// binhost.Check (structure, Manifest sizes and hashes, CPV), then
// binhost.Promote (checked again while rewritten, BUILD_ID set, Manifest
// clear-signed, a .sig per member, SIZE/MD5/SHA1/SHA256 of the signed
// file, published with fsyncs). "index" adds binhost.WriteIndex of the
// two packages' latest builds (Packages and Packages.gz, each written
// and fsynced, the folder fsynced): one index write per promotion, the
// worst case of the server's batching.
func BenchmarkPromoteReal(b *testing.B) {
	pkgs := []struct{ cpv, file string }{
		{"app-misc/hello-1.0", "hello-1.0-1.gpkg.tar"},
		{"app-misc/greeter-2.1", "greeter-2.1-1.gpkg.tar"},
	}
	for _, withIndex := range []bool{false, true} {
		name := "promote"
		if withIndex {
			name = "promote+index"
		}
		b.Run(name, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "binhost")
			key := farmKey()
			latest := make([]projections.Build, len(pkgs))
			var stamp int64
			b.ResetTimer()
			for i := range b.N {
				pk := pkgs[i%len(pkgs)]
				src := filepath.Join("..", "portage", "gpkg", "testdata", "real", pk.file)
				if _, err := binhost.Check(src, pk.cpv); err != nil {
					b.Fatal(err)
				}
				id := uint64(i/len(pkgs) + 1)
				p, err := binhost.Promote(dir, src, pk.cpv, id, key, time.Now())
				if err != nil {
					b.Fatal(err)
				}
				old := latest[i%len(pkgs)]
				latest[i%len(pkgs)] = projections.Build{CPV: pk.cpv, BuildID: id, Path: p.Path,
					SHA256: p.SHA256, Size: uint64(p.Size), Entry: p.Entry, Seq: uint64(i + 1)}
				if withIndex {
					if stamp, _, err = binhost.WriteIndex(dir, uint64(i+1), nonEmpty(latest), "", stamp, time.Now()); err != nil {
						b.Fatal(err)
					}
				}
				if old.Path != "" { // keep the folder small: the build the index no longer lists goes
					os.Remove(filepath.Join(dir, binhost.PackagesDir, filepath.FromSlash(old.Path)))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packages/s")
		})
	}
}

func nonEmpty(bs []projections.Build) []projections.Build {
	var out []projections.Build
	for _, b := range bs {
		if b.Path != "" {
			out = append(out, b)
		}
	}
	return out
}
