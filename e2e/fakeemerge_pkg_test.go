package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/portage/gpkg"
)

// TestFakeEmergePackages checks the packages fake-emerge leaves in the
// PKGDIR a drone gives it: a real gpkg that portage's format checks
// (gpkg.Read) accept, named and numbered as emerge --buildpkg names them,
// and each wrong one the farm's rejection tests rely on, wrong in the way
// its mode says and no other.
func TestFakeEmergePackages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, atom, bad string
		file            string // under PKGDIR
		wantCPV         string
		wantSlot        string
		wantErr         error // of gpkg.Read; nil: it reads
		wantEmpty       bool
	}{
		{name: "valid", atom: "=dev-libs/libpng-1.6.8", file: "dev-libs/libpng/libpng-1.6.8-1.gpkg.tar",
			wantCPV: "dev-libs/libpng-1.6.8", wantSlot: "0"},
		{name: "revision, slot and repository", atom: "=dev-lang/python-3.12.4-r2:3.12::gentoo",
			file: "dev-lang/python/python-3.12.4-r2-1.gpkg.tar", wantCPV: "dev-lang/python-3.12.4-r2", wantSlot: "3.12"},
		{name: "zero bytes", atom: "=dev-libs/libpng-1.6.8", bad: "zero", file: "dev-libs/libpng/libpng-1.6.8-1.gpkg.tar",
			wantEmpty: true},
		{name: "wrong Manifest hash", atom: "=dev-libs/libpng-1.6.8", bad: "manifest",
			file: "dev-libs/libpng/libpng-1.6.8-1.gpkg.tar", wantErr: gpkg.ErrHashMismatch},
		{name: "another CPV", atom: "=dev-libs/libpng-1.6.8", bad: "cpv", file: "dev-libs/libpng/libpng-1.6.8-1.gpkg.tar",
			wantCPV: "wrong-dev-libs/libpng-1.6.8", wantSlot: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			pkgdir := filepath.Join(dir, "pkgdir")
			cmd := exec.Command(testdata("fake-emerge"), "--oneshot", tt.atom)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "FAKE_EMERGE_DRONE=d1", "PKGDIR=" + pkgdir,
				"FAKE_EMERGE_BAD_PKG=" + tt.bad}
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("fake-emerge: %v\n%s", err, out)
			}
			var files []string
			_ = filepath.WalkDir(pkgdir, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(pkgdir, path)
					files = append(files, filepath.ToSlash(rel))
				}
				return nil
			})
			if len(files) != 1 || files[0] != tt.file {
				t.Fatalf("PKGDIR holds %q, want only %s", files, tt.file)
			}
			f, err := os.Open(filepath.Join(pkgdir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if st, _ := f.Stat(); (st.Size() == 0) != tt.wantEmpty {
				t.Fatalf("package is %d bytes, want empty: %v", st.Size(), tt.wantEmpty)
			}
			if tt.wantEmpty {
				return
			}
			p, err := gpkg.Read(f, nil)
			if tt.wantErr != nil || err != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("gpkg.Read: %v, want %v", err, tt.wantErr)
				}
				return
			}
			if p.CPV() != tt.wantCPV || p.BuildID() != 1 || p.Metadata.Get("SLOT") != tt.wantSlot ||
				p.Metadata.Get("EAPI") != "8" || p.Signed || p.MetadataCompression != "gzip" {
				t.Errorf("read %s build %d slot %q EAPI %q signed %v metadata %s, want %s build 1 slot %q EAPI 8 unsigned gzip",
					p.CPV(), p.BuildID(), p.Metadata.Get("SLOT"), p.Metadata.Get("EAPI"), p.Signed, p.MetadataCompression,
					tt.wantCPV, tt.wantSlot)
			}
			// What the farm checks of an upload, the CPV included.
			claim := tt.wantCPV
			if tt.bad == "cpv" {
				claim = "dev-libs/libpng-1.6.8"
			}
			_, err = binhost.Check(f.Name(), claim)
			if wantWrong := tt.bad == "cpv"; (err != nil) != wantWrong || (wantWrong && !errors.Is(err, binhost.ErrWrongPackage)) {
				t.Errorf("binhost.Check: %v (want a wrong package: %v)", err, wantWrong)
			}
		})
	}
}
