package gpkg

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// The fuzz targets check that the decoders never panic and that what they
// accept is self-consistent. Regression seeds live in testdata/fuzz/.

// FuzzRead feeds whole containers to Read. Whatever it accepts has a CPV
// and BUILD_ID, and Rewrite turns it into a package that reads back signed
// by the key with the new BUILD_ID.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"real/hello-1.0-1.gpkg.tar", "real/greeter-2.1-1.gpkg.tar"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:4096])
	}
	var signed bytes.Buffer
	src, _ := os.ReadFile("testdata/real/hello-1.0-1.gpkg.tar")
	if _, err := Rewrite(&signed, bytes.NewReader(src), RewriteOptions{BuildID: 2, Key: testKey, Time: testTime}); err != nil {
		f.Fatal(err)
	}
	f.Add(signed.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data), &Options{Limits: Limits{Image: 1 << 20, MetadataUnpacked: 4 << 20}})
		if err != nil {
			// From memory nothing can fail but the bytes: the farm rejects
			// a package only for a Refused error, and retries the others.
			if !Refused(err) {
				t.Fatalf("refused without a sentinel (the farm would retry it forever): %v", err)
			}
			return
		}
		if p.Metadata.Get("CATEGORY") == "" || p.Metadata.Get("PF") == "" || len(p.Members) < 4 {
			t.Fatalf("accepted without CATEGORY/PF or members: %+v", p)
		}
		var out bytes.Buffer
		if _, err := Rewrite(&out, bytes.NewReader(data), RewriteOptions{BuildID: 9, Key: testKey, Time: testTime}); err != nil {
			t.Fatalf("Read accepts but Rewrite refuses: %v", err)
		}
		q, err := Read(bytes.NewReader(out.Bytes()), &Options{Keyring: testKey.Keyring()})
		if err != nil {
			t.Fatalf("rewritten package does not read: %v", err)
		}
		if q.CPV() != p.CPV() || q.BuildID() != 9 {
			t.Fatalf("rewritten CPV %s BUILD_ID %d, from %s", q.CPV(), q.BuildID(), p.CPV())
		}
		if err := VerifyMemberSignatures(bytes.NewReader(out.Bytes()), testKey.Keyring()); err != nil {
			t.Fatalf("rewritten package's member signatures: %v", err)
		}
	})
}

// FuzzVerifyMemberSignatures feeds whole containers to the second pass:
// it never panics, and what it refuses is one of its documented errors.
func FuzzVerifyMemberSignatures(f *testing.F) {
	src, err := os.ReadFile("testdata/real/hello-1.0-1.gpkg.tar")
	if err != nil {
		f.Fatal(err)
	}
	var signed bytes.Buffer
	if _, err := Rewrite(&signed, bytes.NewReader(src), RewriteOptions{BuildID: 2, Key: testKey, Time: testTime}); err != nil {
		f.Fatal(err)
	}
	f.Add(src)
	f.Add(signed.Bytes())
	f.Add(signed.Bytes()[:4096])
	f.Fuzz(func(t *testing.T, data []byte) {
		err := VerifyMemberSignatures(bytes.NewReader(data), testKey.Keyring())
		if err != nil && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrNotTar) &&
			!errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrBadPath) {
			t.Fatalf("undocumented error: %v", err)
		}
	})
}

// FuzzParseManifest checks that an accepted Manifest's entries format back
// to text that parses to the same entries.
func FuzzParseManifest(f *testing.F) {
	data, _ := os.ReadFile("testdata/real/hello-1.0-1.gpkg.tar")
	for _, p := range manifestsOf(data) {
		f.Add(p)
	}
	f.Add([]byte("DATA gpkg-1 0 BLAKE2B 00 SHA512 00\n\nDATA x 1\n"))
	f.Add([]byte(signedHeader + "\nHash: SHA512\n\nDATA a 1\n" + sigMarker + "\n\nAAAA\n-----END PGP SIGNATURE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		for _, e := range m.Entries {
			if e.Size < 0 || e.Name == "" {
				t.Fatalf("accepted entry %+v", e)
			}
		}
		if m.Signed {
			return
		}
		back, err := ParseManifest(formatEntries(m.Entries))
		if err != nil || len(back.Entries) != len(m.Entries) {
			t.Fatalf("entries do not format back: %v", err)
		}
	})
}

// FuzzReadMetadata feeds metadata archives (uncompressed and zstd) to the
// metadata decoder: no panic, and what it accepts has CATEGORY and PF.
func FuzzReadMetadata(f *testing.F) {
	f.Add(metaArchive(f, "", "CATEGORY", "app-misc\n", "PF", "hello-1.0\n", "BUILD_ID", "1"), false)
	f.Add(metaArchive(f, "zst", "CATEGORY", "app-misc\n", "PF", "hello-1.0\n"), true)
	f.Add([]byte("garbage"), true)
	f.Fuzz(func(t *testing.T, data []byte, zst bool) {
		comp := "none"
		if zst {
			comp = "zstd"
		}
		m, err := readMetadata(bytes.NewReader(data), comp, 1<<20)
		if err != nil {
			return
		}
		if m.Get("CATEGORY") == "" || m.Get("PF") == "" || len(m.Keys) != len(m.Values) {
			t.Fatalf("accepted metadata %v", m.Keys)
		}
	})
}

// manifestsOf returns the Manifest members of a container, for seeds.
func manifestsOf(data []byte) [][]byte {
	var out [][]byte
	tr := newTarReader(data)
	for {
		h, err := tr.Next()
		if err != nil {
			return out
		}
		if b, _ := io.ReadAll(tr); strings.HasSuffix(h.Name, "/"+ManifestMember) {
			out = append(out, b)
		}
	}
}

func newTarReader(data []byte) *tar.Reader { return tar.NewReader(bytes.NewReader(data)) }
