package gpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// part is one container member for a hand-made gpkg.
type part struct {
	name string // full path in the container
	data []byte
	typ  byte // tar.TypeReg when 0
}

// realParts returns the members of the real hello package, in order.
func realParts(t testing.TB) []part {
	data, err := os.ReadFile("testdata/real/hello-1.0-1.gpkg.tar")
	if err != nil {
		t.Fatal(err)
	}
	var ps []part
	for _, name := range []string{"gpkg-1", "metadata.tar.zst", "image.tar.zst", "Manifest"} {
		ps = append(ps, part{"hello-1.0-1/" + name, membersOf(t, data)[name], 0})
	}
	return ps
}

func membersOf(t testing.TB, data []byte) map[string][]byte {
	if tt, ok := t.(*testing.T); ok {
		return members(tt, data)
	}
	t.Fatal("membersOf needs a *testing.T")
	return nil
}

// container writes parts as a ustar archive.
func container(t testing.TB, parts []part) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, p := range parts {
		typ := p.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: p.name, Typeflag: typ, Mode: 0o644, Size: int64(len(p.data)), Format: tar.FormatUSTAR}
		if typ != tar.TypeReg {
			h.Size, h.Linkname = 0, "target"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write(p.data)
		}
	}
	tw.Close()
	return b.Bytes()
}

// manifestFor returns a Manifest part listing every part but a Manifest.
func manifestFor(folder string, parts []part) part {
	var es []Entry
	for _, p := range parts {
		base := p.name[strings.LastIndex(p.name, "/")+1:]
		if base == ManifestMember {
			continue
		}
		h := newHasher()
		h.Write(p.data)
		m := h.member(base, int64(len(p.data)))
		es = append(es, Entry{base, m.Size, map[string]string{"BLAKE2B": m.BLAKE2B, "SHA512": m.SHA512}})
	}
	return part{folder + "/Manifest", formatEntries(es), 0}
}

// remanifest replaces the Manifest of parts with a correct one.
func remanifest(parts []part) []part {
	var out []part
	for _, p := range parts {
		if !strings.HasSuffix(p.name, "/Manifest") {
			out = append(out, p)
		}
	}
	return append(out, manifestFor("hello-1.0-1", out))
}

// metaArchive makes a metadata archive of key=value files.
func metaArchive(t testing.TB, comp string, kv ...string) []byte {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for i := 0; i+1 < len(kv); i += 2 {
		tw.WriteHeader(&tar.Header{Name: "metadata/" + kv[i], Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(kv[i+1]))})
		tw.Write([]byte(kv[i+1]))
	}
	tw.Close()
	var out bytes.Buffer
	switch comp {
	case "zst":
		zw, _ := zstd.NewWriter(&out)
		zw.Write(raw.Bytes())
		zw.Close()
	case "gz":
		zw := gzip.NewWriter(&out)
		zw.Write(raw.Bytes())
		zw.Close()
	default:
		out = raw
	}
	return out.Bytes()
}

// Read refuses each way a package can be wrong, naming the reason with its
// sentinel error.
func TestReadRefuses(t *testing.T) {
	base := realParts(t)
	edit := func(f func([]part) []part) []byte {
		ps := append([]part(nil), base...)
		return container(t, f(ps))
	}
	goodMeta := metaArchive(t, "zst", "CATEGORY", "app-misc\n", "PF", "hello-1.0\n", "BUILD_ID", "1")
	withMeta := func(name string, data []byte) []byte {
		return edit(func(ps []part) []part {
			ps[1] = part{"hello-1.0-1/" + name, data, 0}
			return remanifest(ps)
		})
	}
	cases := []struct {
		name string
		data []byte
		want error
		lim  Limits
	}{
		{"not a tar", []byte(strings.Repeat("not a tar file ", 100)), ErrNotTar, Limits{}},
		{"empty", nil, ErrNotTar, Limits{}},
		{"truncated", container(t, base)[:3000], ErrNotTar, Limits{}},
		{"absolute path", edit(func(ps []part) []part { ps[0].name = "/hello-1.0-1/gpkg-1"; return ps }), ErrBadPath, Limits{}},
		{"dot dot", edit(func(ps []part) []part { ps[2].name = "hello-1.0-1/../image.tar.zst"; return ps }), ErrBadPath, Limits{}},
		{"no folder", edit(func(ps []part) []part { ps[0].name = "gpkg-1"; return ps }), ErrBadPath, Limits{}},
		{"nested", edit(func(ps []part) []part { ps[2].name = "hello-1.0-1/x/image.tar.zst"; return ps }), ErrBadPath, Limits{}},
		{"second folder", edit(func(ps []part) []part { ps[2].name = "other-1/image.tar.zst"; return ps }), ErrBadPath, Limits{}},
		{"symlink", edit(func(ps []part) []part { ps[2].typ = tar.TypeSymlink; return ps }), ErrNotRegular, Limits{}},
		{"hard link", edit(func(ps []part) []part { ps[2].typ = tar.TypeLink; return ps }), ErrNotRegular, Limits{}},
		{"device", edit(func(ps []part) []part { ps[2].typ = tar.TypeChar; return ps }), ErrNotRegular, Limits{}},
		{"unknown member", edit(func(ps []part) []part {
			return remanifest(append(ps[:3:3], part{"hello-1.0-1/evil.sh", []byte("x"), 0}, ps[3]))
		}), ErrUnknownMember, Limits{}},
		{"unknown compression", withMeta("metadata.tar.rar", goodMeta), ErrUnknownMember, Limits{}},
		{"duplicate image", edit(func(ps []part) []part { return remanifest(append(ps[:3:3], ps[2], ps[3])) }), ErrDuplicate, Limits{}},
		{"two image archives", edit(func(ps []part) []part {
			return remanifest(append(ps[:3:3], part{"hello-1.0-1/image.tar.gz", ps[2].data, 0}, ps[3]))
		}), ErrDuplicate, Limits{}},
		{"gpkg-1 not first", edit(func(ps []part) []part { ps[0], ps[1] = ps[1], ps[0]; return ps }), ErrOrder, Limits{}},
		{"image before metadata", edit(func(ps []part) []part { ps[1], ps[2] = ps[2], ps[1]; return ps }), ErrOrder, Limits{}},
		{"Manifest before image", edit(func(ps []part) []part { ps[2], ps[3] = ps[3], ps[2]; return ps }), ErrOrder, Limits{}},
		{"no image", edit(func(ps []part) []part { return remanifest(append(ps[:2:2], ps[3])) }), ErrMissing, Limits{}},
		{"no Manifest", edit(func(ps []part) []part { return ps[:3] }), ErrMissing, Limits{}},
		{"lone sig", edit(func(ps []part) []part {
			return remanifest(append(ps[:3:3], part{"hello-1.0-1/image.tar.zst.sig", []byte("sig"), 0}, ps[3]))
		}), ErrMissing, Limits{}},
		{"sig of absent member", edit(func(ps []part) []part {
			return remanifest(append(ps[:2:2], part{"hello-1.0-1/metadata.tar.zst.sig", []byte("s"), 0}, ps[2],
				part{"hello-1.0-1/image.tar.gz.sig", []byte("s"), 0}, ps[3]))
		}), ErrMissing, Limits{}},
		{"image too large", container(t, base), ErrTooLarge, Limits{Image: 100}},
		{"metadata unpacks too large", container(t, base), ErrTooLarge, Limits{MetadataUnpacked: 1000}},
		{"Manifest garbage", edit(func(ps []part) []part { ps[3].data = []byte("hello\n"); return ps }), ErrManifest, Limits{}},
		{"Manifest bad size", edit(func(ps []part) []part { ps[3].data = []byte("DATA gpkg-1 -1\n"); return ps }), ErrManifest, Limits{}},
		{"Manifest name twice", edit(func(ps []part) []part { ps[3].data = append(ps[3].data, ps[3].data...); return ps }), ErrManifest, Limits{}},
		{"member not in Manifest", edit(func(ps []part) []part {
			ps[3].data = []byte(strings.Join(strings.Split(string(ps[3].data), "\n")[1:], "\n"))
			return ps
		}), ErrNotInManifest, Limits{}},
		{"Manifest lists a ghost", edit(func(ps []part) []part {
			ps[3].data = append(ps[3].data, "DATA image.tar.gz 0 BLAKE2B 00 SHA512 00\n"...)
			return ps
		}), ErrNotInManifest, Limits{}},
		{"size mismatch", edit(func(ps []part) []part {
			ps[3].data = []byte(strings.Replace(string(ps[3].data), "DATA image.tar.zst 201 ", "DATA image.tar.zst 202 ", 1))
			return ps
		}), ErrSizeMismatch, Limits{}},
		{"flipped image byte", flipIn(t, container(t, base), "image.tar.zst"), ErrHashMismatch, Limits{}},
		{"only one hash listed", edit(func(ps []part) []part {
			m := string(ps[3].data)
			i := strings.Index(m, "DATA image.tar.zst")
			j := strings.Index(m[i:], " SHA512 ")
			ps[3].data = []byte(m[:i+j] + "\n")
			return ps
		}), ErrHashMismatch, Limits{}},
		{"metadata not zstd", withMeta("metadata.tar.zst", []byte("definitely not zstd")), ErrBadMetadata, Limits{}},
		{"metadata xz", withMeta("metadata.tar.xz", []byte("\xfd7zXZ\x00")), ErrUnsupportedCompression, Limits{}},
		{"metadata without PF", withMeta("metadata.tar.zst", metaArchive(t, "zst", "CATEGORY", "app-misc\n")), ErrBadMetadata, Limits{}},
		{"metadata bad path", withMeta("metadata.tar", metaArchive(t, "", "CATEGORY", "a\n", "PF", "hello-1.0\n", "../x", "y")), ErrBadMetadata, Limits{}},
		{"metadata bad BUILD_ID", withMeta("metadata.tar.gz", metaArchive(t, "gz", "CATEGORY", "a\n", "PF", "hello-1.0\n", "BUILD_ID", "x")), ErrBadMetadata, Limits{}},
		{"PF with slash", withMeta("metadata.tar.gz", metaArchive(t, "gz", "CATEGORY", "a\n", "PF", "../../etc\n")), ErrBadMetadata, Limits{}},
		{"folder not PF", withMeta("metadata.tar.zst", metaArchive(t, "zst", "CATEGORY", "app-misc\n", "PF", "greeter-2.1\n", "BUILD_ID", "1")), ErrBadFolder, Limits{}},
		{"folder BUILD_ID differs", withMeta("metadata.tar.zst", metaArchive(t, "zst", "CATEGORY", "app-misc\n", "PF", "hello-1.0\n", "BUILD_ID", "2")), ErrBadFolder, Limits{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.data), &Options{Limits: tc.lim})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Read: %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "gpkg: ") {
				t.Errorf("error %q does not name the package", err)
			}
		})
	}
	// And the edited packages are right but for the one edit: the same
	// hand-made container with a good metadata archive reads.
	if _, err := Read(bytes.NewReader(withMeta("metadata.tar.gz", metaArchive(t, "gz", "CATEGORY", "app-misc\n", "PF", "hello-1.0\n", "BUILD_ID", "1"))), nil); err != nil {
		t.Errorf("hand-made good package: %v", err)
	}
	if _, err := Read(bytes.NewReader(withMeta("metadata.tar", metaArchive(t, "", "CATEGORY", "app-misc\n", "PF", "hello-1.0\n"))), nil); !errors.Is(err, ErrBadFolder) {
		t.Errorf("folder PF-1 without BUILD_ID: %v, want ErrBadFolder", err)
	}
}
