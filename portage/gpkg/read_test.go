package gpkg

import (
	"os"
	"path/filepath"
	"testing"
)

// readFile reads a gpkg from testdata with default options.
func readFile(t *testing.T, name string) *Package {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := Read(f, nil)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return p
}

// The packages real portage 3.0.83 built (testdata/real/SOURCES.md) are
// accepted, with the CPV, BUILD_ID and slot their metadata holds.
func TestReadRealPortagePackages(t *testing.T) {
	for _, tc := range []struct {
		file, cpv, folder, rdepend string
	}{
		{"real/hello-1.0-1.gpkg.tar", "app-misc/hello-1.0", "hello-1.0-1", ""},
		{"real/greeter-2.1-1.gpkg.tar", "app-misc/greeter-2.1", "greeter-2.1-1", "app-misc/hello"},
	} {
		t.Run(tc.cpv, func(t *testing.T) {
			p := readFile(t, tc.file)
			if p.CPV() != tc.cpv || p.BuildID() != 1 || p.Folder != tc.folder {
				t.Errorf("CPV %q BUILD_ID %d folder %q", p.CPV(), p.BuildID(), p.Folder)
			}
			md := p.Metadata
			if md.Get("SLOT") != "0" || md.Get("repository") != "farm" || md.Get("RDEPEND") != tc.rdepend {
				t.Errorf("SLOT %q repository %q RDEPEND %q", md.Get("SLOT"), md.Get("repository"), md.Get("RDEPEND"))
			}
			var names []string
			for _, m := range p.Members {
				names = append(names, m.Name)
			}
			want := "[gpkg-1 metadata.tar.zst image.tar.zst Manifest]"
			if got := fmtList(names); got != want || p.Signed {
				t.Errorf("members %s signed %v, want %s unsigned", got, p.Signed, want)
			}
			if p.MetadataCompression != "zstd" || p.ImageCompression != "zstd" {
				t.Errorf("compression %s/%s", p.MetadataCompression, p.ImageCompression)
			}
		})
	}
}

func fmtList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}
