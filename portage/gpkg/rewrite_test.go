package gpkg

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

var testTime = time.Date(2026, 12, 3, 19, 10, 0, 0, time.UTC)

// testKey is one key for the whole test binary (generation is cheap, but
// one key keeps failures comparable).
var testKey = func() *Key {
	k, err := GenerateKey("Swarm Test Farm", "farm@example.invalid", testTime.Add(-time.Hour))
	if err != nil {
		panic(err)
	}
	return k
}()

// rewriteFile rewrites a testdata package with BUILD_ID id and returns the
// new file's bytes.
func rewriteFile(t *testing.T, name string, id int) ([]byte, *Package) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p, err := Rewrite(&out, bytes.NewReader(src), RewriteOptions{BuildID: id, Key: testKey, Time: testTime})
	if err != nil {
		t.Fatalf("Rewrite(%s): %v", name, err)
	}
	return out.Bytes(), p
}

// A rewritten package has the signed layout of portage's gpkg-sign
// (README "Signed layout"): member order, header fields, BUILD_ID in the
// folder and the metadata, and it reads back with its signature verified.
func TestRewriteSignedLayout(t *testing.T) {
	out, wrote := rewriteFile(t, "real/hello-1.0-1.gpkg.tar", 7)
	tr := tar.NewReader(bytes.NewReader(out))
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" ||
			h.Format != tar.FormatUSTAR || !h.ModTime.Equal(testTime) || h.Typeflag != tar.TypeReg {
			t.Errorf("%s: mode %o uid %d gid %d uname %q gname %q format %v mtime %v", h.Name,
				h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.Format, h.ModTime)
		}
	}
	want := "hello-1.0-7/gpkg-1 hello-1.0-7/metadata.tar.zst hello-1.0-7/metadata.tar.zst.sig " +
		"hello-1.0-7/image.tar.zst hello-1.0-7/image.tar.zst.sig hello-1.0-7/Manifest"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("members:\n got %s\nwant %s", got, want)
	}
	p, err := Read(bytes.NewReader(out), &Options{Keyring: testKey.Keyring()})
	if err != nil {
		t.Fatalf("Read(rewritten) with the key: %v", err)
	}
	if p.CPV() != "app-misc/hello-1.0" || p.BuildID() != 7 || !p.Signed || p.Signer != testKey.Fingerprint() {
		t.Errorf("read back CPV %q BUILD_ID %d signed %v signer %q", p.CPV(), p.BuildID(), p.Signed, p.Signer)
	}
	if got := string(p.Metadata.Values["BUILD_ID"]); got != "7" {
		t.Errorf("metadata/BUILD_ID %q, want \"7\" (portage writes no newline)", got)
	}
	if len(p.Manifest.Entries) != 5 || p.Manifest.Entries[4].Name != "image.tar.zst.sig" {
		t.Errorf("Manifest entries %+v", p.Manifest.Entries)
	}
	if wrote.Folder != "hello-1.0-7" || len(wrote.Members) != 6 || wrote.Members[3] != p.Members[3] {
		t.Errorf("Rewrite's description %+v disagrees with Read's %+v", wrote.Members, p.Members)
	}
}

// The image is copied byte for byte, every metadata file but BUILD_ID is
// kept, and each member's .sig verifies against the member.
func TestRewriteKeepsContentAndSignsMembers(t *testing.T) {
	orig := readFile(t, "real/greeter-2.1-1.gpkg.tar")
	out, _ := rewriteFile(t, "real/greeter-2.1-1.gpkg.tar", 3)
	files := members(t, out)
	if files["image.tar.zst"] == nil || orig.Members[2].SHA512 != readFile2(t, out).Members[3].SHA512 {
		t.Error("image.tar.zst changed")
	}
	for _, m := range []string{"metadata.tar.zst", "image.tar.zst"} {
		_, err := openpgp.CheckArmoredDetachedSignature(testKey.Keyring(), bytes.NewReader(files[m]),
			bytes.NewReader(files[m+".sig"]), nil)
		if err != nil {
			t.Errorf("%s.sig: %v", m, err)
		}
	}
	p := readFile2(t, out)
	for _, k := range orig.Metadata.Keys {
		if k != "BUILD_ID" && !bytes.Equal(orig.Metadata.Values[k], p.Metadata.Values[k]) {
			t.Errorf("metadata/%s changed: %q -> %q", k, orig.Metadata.Values[k], p.Metadata.Values[k])
		}
	}
	if len(p.Metadata.Keys) != len(orig.Metadata.Keys) {
		t.Errorf("metadata keys %v, were %v", p.Metadata.Keys, orig.Metadata.Keys)
	}
}

// The clear-signed Manifest carries the CRC24 armor line gpg 2.2 needs and
// no blank line before the signature (README "Signed layout").
func TestRewriteManifestArmor(t *testing.T) {
	out, _ := rewriteFile(t, "real/hello-1.0-1.gpkg.tar", 1)
	man := string(members(t, out)["Manifest"])
	lines := strings.Split(man, "\n")
	if lines[0] != signedHeader || lines[1] != "Hash: SHA512" || lines[2] != "" ||
		!strings.HasPrefix(lines[3], "DATA gpkg-1 0 BLAKE2B ") || !strings.HasPrefix(lines[7], "DATA image.tar.zst.sig ") ||
		lines[8] != sigMarker {
		t.Errorf("Manifest layout:\n%s", man)
	}
	if !strings.HasSuffix(man, "-----END PGP SIGNATURE-----\n") {
		t.Errorf("Manifest does not end with the END line and a newline:\n%s", man)
	}
	crc := lines[len(lines)-3]
	if len(crc) != 5 || crc[0] != '=' {
		t.Errorf("no CRC24 line before END (got %q):\n%s", crc, man)
	}
}

// Rewrite refuses what Read refuses, and bad options.
func TestRewriteRefuses(t *testing.T) {
	src, _ := os.ReadFile("testdata/real/hello-1.0-1.gpkg.tar")
	if _, err := Rewrite(io.Discard, bytes.NewReader(src), RewriteOptions{BuildID: 0, Key: testKey}); err == nil {
		t.Error("BUILD_ID 0 accepted")
	}
	bad := flipIn(t, src, "image.tar.zst")
	if _, err := Rewrite(io.Discard, bytes.NewReader(bad), RewriteOptions{BuildID: 2, Key: testKey}); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("tampered image: %v, want ErrHashMismatch", err)
	}
}

// A Manifest signed by another key does not verify.
func TestReadWrongKey(t *testing.T) {
	out, _ := rewriteFile(t, "real/hello-1.0-1.gpkg.tar", 1)
	other, err := GenerateKey("Other", "other@example.invalid", testTime.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read(bytes.NewReader(out), &Options{Keyring: other.Keyring()}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Read with another key: %v, want ErrBadSignature", err)
	}
	unsigned, _ := os.ReadFile("testdata/real/hello-1.0-1.gpkg.tar")
	if _, err := Read(bytes.NewReader(unsigned), &Options{Keyring: testKey.Keyring()}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Read unsigned with a keyring: %v, want ErrBadSignature", err)
	}
}

// A key survives WritePrivate/ReadKey and signs the same way after.
func TestKeyRoundTrip(t *testing.T) {
	var priv, pub bytes.Buffer
	if err := testKey.WritePrivate(&priv); err != nil {
		t.Fatal(err)
	}
	if err := testKey.WritePublic(&pub); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pub.String(), "-----BEGIN PGP PUBLIC KEY BLOCK-----\n") || strings.Contains(pub.String(), "PRIVATE") {
		t.Errorf("public key armor:\n%s", pub.String())
	}
	k, err := ReadKey(&priv)
	if err != nil {
		t.Fatal(err)
	}
	if k.Fingerprint() != testKey.Fingerprint() || len(k.Fingerprint()) != 40 {
		t.Errorf("fingerprint %s, want %s", k.Fingerprint(), testKey.Fingerprint())
	}
	if _, err := ReadKey(bytes.NewReader(pub.Bytes())); err == nil {
		t.Error("ReadKey accepted a public key")
	}
	pubring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var sig bytes.Buffer
	if err := k.DetachSign(&sig, strings.NewReader("x"), testTime); err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(pubring, strings.NewReader("x"), &sig, nil); err != nil {
		t.Errorf("signature by the re-read key does not verify with the exported public key: %v", err)
	}
}

// members returns a container's members by base name.
func members(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name[strings.Index(h.Name, "/")+1:]] = b
	}
}

func readFile2(t *testing.T, data []byte) *Package {
	t.Helper()
	p, err := Read(bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// flipIn flips a byte in the content of the named member.
func flipIn(t *testing.T, data []byte, member string) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	i := bytes.Index(out, []byte("/"+member+"\x00"))
	if i < 0 {
		t.Fatalf("no member %s", member)
	}
	out[(i/512)*512+512+20] ^= 0xff
	return out
}
