package gpkg

import (
	"archive/tar"
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/crypto/blake2b"

	"github.com/swarm-build/swarm/internal/hashpipe"
)

// Limits bound what Read accepts, so a hostile upload cannot make the
// orchestrator hold or unpack more than this. Zero fields take defaults.
type Limits struct {
	Manifest         int64 // Manifest member; default 1 MiB
	Signature        int64 // each .sig member and gpkg-1; default 64 KiB
	Metadata         int64 // the metadata archive as stored; default 64 MiB
	MetadataUnpacked int64 // the metadata files' total size; default 256 MiB
	Image            int64 // the image archive; default 64 GiB
}

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.Manifest, 1<<20)
	def(&l.Signature, 64<<10)
	def(&l.Metadata, 64<<20)
	def(&l.MetadataUnpacked, 256<<20)
	def(&l.Image, 64<<30)
	return l
}

// Options tune Read. The zero value (or nil) reads with default limits and
// does not check signatures.
type Options struct {
	Limits Limits
	// Keyring, when set, makes Read require a clear-signed Manifest whose
	// signature verifies against it. Member .sig files are not checked
	// here (the Manifest's signature covers their hashes); portage checks
	// them too, and VerifyMemberSignatures does in a second pass.
	Keyring openpgp.KeyRing
}

// Member is one member of a read package: its base name, size and hashes
// (lowercase hex) as computed while reading.
type Member struct {
	Name    string
	Size    int64
	BLAKE2B string
	SHA512  string
}

// Package is a gpkg that passed every check of Read.
type Package struct {
	Folder              string // the top folder: PF or PF-BUILD_ID
	Members             []Member
	Manifest            *Manifest
	Metadata            *Metadata
	MetadataCompression string // "zstd", "gzip", "none" …
	ImageCompression    string
	Signed              bool   // a clear-signed Manifest or any .sig member
	Signer              string // the verified signer's fingerprint, with Options.Keyring
}

// CPV is the package's CATEGORY/PF from its metadata.
func (p *Package) CPV() string { return p.Metadata.CPV() }

// BuildID is the metadata's BUILD_ID, 0 when it has none.
func (p *Package) BuildID() int {
	n, _ := p.Metadata.BuildID() // checked by Read
	return n
}

// Read reads a gpkg from r in one pass and checks it (see the package doc
// for what it refuses). It never holds the image in memory.
func Read(r io.Reader, opts *Options) (*Package, error) {
	return walk(r, opts, nil)
}

// visitFunc is handed each member after walk's own checks. body is the
// member's content (hashed as it is read; what the visitor leaves unread is
// drained by walk), or nil for the metadata archive, which walk has
// already decoded into p.Metadata.
type visitFunc func(k kind, base string, h *tar.Header, body io.Reader, p *Package) error

// hasher computes both Manifest hashes of a member as it streams, on a
// goroutine of its own (hashpipe): the reader's copy and its checks go on
// meanwhile. It must be closed (member does) to end the goroutine.
type hasher struct {
	b2, s5 hash.Hash
	*hashpipe.Writer
}

func newHasher() *hasher {
	b2, _ := blake2b.New512(nil) // cannot fail without a key
	s5 := sha512.New()
	return &hasher{b2, s5, hashpipe.New(b2, s5)}
}

func (h *hasher) member(name string, size int64) Member {
	h.Close()
	return Member{name, size, hex.EncodeToString(h.b2.Sum(nil)), hex.EncodeToString(h.s5.Sum(nil))}
}

// walk reads the container, checking each header, hashing each member and
// handing it to visit (when not nil); at the end it checks the whole.
func walk(r io.Reader, opts *Options, visit visitFunc) (*Package, error) {
	if opts == nil {
		opts = &Options{}
	}
	lim := opts.Limits.withDefaults()
	p := &Package{}
	tr := tar.NewReader(r)
	last := kind(-1)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) && n > 0 {
			break
		}
		if err != nil {
			return nil, fail(ErrNotTar, "member %d: %v", n+1, err)
		}
		k, comp, err := checkHeader(h, p, n, last)
		if err != nil {
			return nil, err
		}
		last = k
		if err := readMember(tr, h, k, comp, lim, p, visit); err != nil {
			return nil, err
		}
	}
	if err := checkWhole(p); err != nil {
		return nil, err
	}
	if opts.Keyring != nil {
		fpr, err := p.Manifest.VerifySignature(opts.Keyring)
		if err != nil {
			return nil, err
		}
		p.Signer = fpr
	}
	return p, nil
}

// checkHeader checks one container header: format, type, path, name, order.
func checkHeader(h *tar.Header, p *Package, n int, last kind) (kind, string, error) {
	if h.Format&(tar.FormatUSTAR|tar.FormatPAX|tar.FormatGNU) == 0 {
		return 0, "", fail(ErrNotTar, "member %q: not ustar, pax or GNU", h.Name)
	}
	folder, base, err := splitMember(h.Name)
	if err != nil {
		return 0, "", err
	}
	if h.Typeflag != tar.TypeReg {
		return 0, "", fail(ErrNotRegular, "member %q: type %q", h.Name, h.Typeflag)
	}
	if n == 0 {
		p.Folder = folder
	} else if folder != p.Folder {
		return 0, "", fail(ErrBadPath, "member %q outside folder %q", h.Name, p.Folder)
	}
	k, comp, ok := classify(base)
	switch {
	case !ok:
		return 0, "", fail(ErrUnknownMember, "member %q", h.Name)
	case n == 0 && k != kindVersion:
		return 0, "", fail(ErrOrder, "first member is %q, want %s", base, VersionMember)
	case k == last:
		return 0, "", fail(ErrDuplicate, "member %q", h.Name)
	case k < last:
		return 0, "", fail(ErrOrder, "member %q after a later kind", h.Name)
	}
	return k, comp, nil
}

// readMember reads one member's content within its bound, hashing it.
func readMember(tr io.Reader, h *tar.Header, k kind, comp string, lim Limits, p *Package, visit visitFunc) error {
	base := h.Name[len(p.Folder)+1:]
	bound := map[kind]int64{kindVersion: lim.Signature, kindMetadata: lim.Metadata,
		kindMetadataSig: lim.Signature, kindImage: lim.Image, kindImageSig: lim.Signature,
		kindManifest: lim.Manifest}[k]
	if h.Size > bound {
		return fail(ErrTooLarge, "member %q: %d bytes, at most %d", base, h.Size, bound)
	}
	hs := newHasher()
	defer hs.Close()
	src := &trackReader{r: tr}
	body := io.TeeReader(src, hs)
	var err error
	switch k {
	case kindManifest:
		var b bytes.Buffer
		if _, err = io.Copy(&b, body); err == nil {
			p.Manifest, err = ParseManifest(b.Bytes())
		}
		body = nil
	case kindMetadata:
		p.MetadataCompression = comp
		p.Metadata, err = readMetadata(body, comp, lim.MetadataUnpacked)
		if err == nil {
			_, err = io.Copy(io.Discard, body) // hash what the decoder left
		}
		body = nil
	case kindImage:
		p.ImageCompression = comp
	}
	if err == nil && visit != nil {
		err = visit(k, base, h, body, p)
	}
	if err == nil && body != nil {
		_, err = io.Copy(io.Discard, body)
	}
	if src.err != nil { // the container itself failed (truncated), whatever the decoder made of it
		return fail(ErrNotTar, "member %q: %v", base, src.err)
	}
	if err != nil {
		return wrapRead(base, err)
	}
	p.Members = append(p.Members, hs.member(base, h.Size))
	return nil
}

// trackReader remembers the first error other than io.EOF from the
// container, so a truncated file is reported as such even when a
// decompressor reading the member reports it first in its own words.
type trackReader struct {
	r   io.Reader
	err error
}

func (t *trackReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && t.err == nil {
		t.err = err
	}
	return n, err
}

// wrapRead keeps a sentinel error as is and names a plain I/O error.
func wrapRead(base string, err error) error {
	var ke *kindError
	if errors.As(err, &ke) {
		return err
	}
	return fail(ErrNotTar, "member %q: %v", base, err)
}

// checkWhole checks what needs every member: presence, signatures' partners,
// the folder name, and the Manifest against the members.
func checkWhole(p *Package) error {
	has := map[string]bool{}
	sigs := 0
	for _, m := range p.Members {
		has[m.Name] = true
	}
	for _, need := range []struct {
		ok   bool
		what string
	}{{p.Metadata != nil, "metadata archive"}, {p.ImageCompression != "", "image archive"},
		{p.Manifest != nil, ManifestMember}} {
		if !need.ok {
			return fail(ErrMissing, "no %s", need.what)
		}
	}
	for _, m := range p.Members {
		if k, _, _ := classify(m.Name); k == kindMetadataSig || k == kindImageSig {
			sigs++
			if !has[m.Name[:len(m.Name)-len(".sig")]] {
				return fail(ErrMissing, "%s signs a member that is not there", m.Name)
			}
		}
	}
	if sigs == 1 {
		return fail(ErrMissing, "only one of the metadata and image archives has a .sig")
	}
	p.Signed = sigs > 0 || p.Manifest.Signed
	if err := checkFolder(p); err != nil {
		return err
	}
	return checkManifest(p)
}

// checkFolder requires the top folder to be PF or PF-BUILD_ID.
func checkFolder(p *Package) error {
	pf := p.Metadata.Get("PF")
	if p.Folder == pf {
		return nil
	}
	if id := p.BuildID(); id > 0 && p.Folder == pf+"-"+strconv.Itoa(id) {
		return nil
	}
	return fail(ErrBadFolder, "folder %q, metadata says PF %q BUILD_ID %q", p.Folder, pf, p.Metadata.Get("BUILD_ID"))
}

// checkManifest requires a Manifest entry for every other member with its
// size, BLAKE2B and SHA512, and a member for every entry.
func checkManifest(p *Package) error {
	listed := map[string]bool{}
	for _, m := range p.Members {
		if m.Name == ManifestMember {
			continue
		}
		e, ok := p.Manifest.Entry(m.Name)
		if !ok {
			return fail(ErrNotInManifest, "member %s is not in the Manifest", m.Name)
		}
		listed[m.Name] = true
		if e.Size != m.Size {
			return fail(ErrSizeMismatch, "%s: %d bytes, Manifest says %d", m.Name, m.Size, e.Size)
		}
		for name, got := range map[string]string{"BLAKE2B": m.BLAKE2B, "SHA512": m.SHA512} {
			if want, ok := e.Hashes[name]; !ok || want != got {
				return fail(ErrHashMismatch, "%s: %s %s, Manifest says %q", m.Name, name, got, want)
			}
		}
	}
	for _, e := range p.Manifest.Entries {
		if !listed[e.Name] {
			return fail(ErrNotInManifest, "Manifest lists %s, which is not a member", e.Name)
		}
	}
	return nil
}
