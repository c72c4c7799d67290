package binhost

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/internal/atomicfile"
	"github.com/swarm-build/swarm/internal/hashpipe"
	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/portage/gpkg"
)

// Folders of the binhost folder: uploads wait in staging until verified;
// packages is what the orchestrator serves at /binhost/.
const (
	StagingDir  = "staging"
	PackagesDir = "packages"
)

// Reasons an upload is refused before its content is looked at, for
// errors.Is; gpkg's sentinels name the rest.
var (
	// ErrTooLarge: the upload is over the farm's limit (binhost.max_upload).
	ErrTooLarge = errors.New("binhost: upload larger than the limit")
	// ErrEmpty: zero bytes.
	ErrEmpty = errors.New("binhost: empty upload")
	// ErrSizeMismatch: the bytes received are not as many as the drone said.
	ErrSizeMismatch = errors.New("binhost: upload size mismatch")
	// ErrHashMismatch: their SHA-256 is not the one the drone said.
	ErrHashMismatch = errors.New("binhost: upload sha256 mismatch")
	// ErrReceive: the upload's body could not be read to its end (the
	// drone went away): not a verdict on the package; it may send again.
	ErrReceive = errors.New("binhost: upload not received whole")
	// ErrWrongPackage: the package's CPV is not the claimed atom's.
	ErrWrongPackage = errors.New("binhost: package is not the claimed atom")
)

// Staged is an upload written to the staging folder.
type Staged struct {
	Path   string // in the staging folder; the caller removes it
	SHA256 string
	Size   int64
}

// Stage streams body into a new, exclusive file (0600) in dir's staging
// folder, hashing as it writes, and refuses it when it is over limit,
// empty, or not the size and SHA-256 the drone announced. On error nothing
// is left behind. Nothing from the upload names the file.
func Stage(dir string, body io.Reader, limit, wantSize int64, wantSHA string) (Staged, error) {
	stage := filepath.Join(dir, StagingDir)
	if err := os.MkdirAll(stage, DirMode); err != nil {
		return Staged{}, fmt.Errorf("binhost: %w", err)
	}
	f, err := atomicfile.Create(stage, "upload-*.gpkg.tar", KeyMode)
	if err != nil {
		return Staged{}, err
	}
	h := sha256.New()
	pipe := hashpipe.New(h) // SHA-256 on another core while the body is received
	n, err := io.Copy(io.MultiWriter(f, pipe), io.LimitReader(body, limit+1))
	pipe.Close()
	if err == nil {
		err = f.Close()
	}
	st := Staged{Path: f.Name(), SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	switch {
	case err != nil:
		err = fmt.Errorf("%w: after %d bytes: %w", ErrReceive, n, err)
	case n > limit:
		err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	case n == 0:
		err = ErrEmpty
	case n != wantSize:
		err = fmt.Errorf("%w: got %d bytes, the drone said %d", ErrSizeMismatch, n, wantSize)
	case st.SHA256 != wantSHA:
		err = fmt.Errorf("%w: got %s, the drone said %s", ErrHashMismatch, st.SHA256, wantSHA)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return Staged{}, err
	}
	return st, nil
}

// Check reads a staged package with every check of gpkg.Read and
// requires its CPV to be cpv, without promoting it (Promote checks the
// same as it copies).
func Check(path, cpv string) (*gpkg.Package, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("binhost: %w", err)
	}
	defer f.Close()
	p, err := gpkg.Read(f, nil)
	if err != nil {
		return nil, err
	}
	if p.CPV() != cpv {
		return nil, fmt.Errorf("%w: it is %s, the claim is for %s", ErrWrongPackage, p.CPV(), cpv)
	}
	return p, nil
}

// Promoted is a package the farm renumbered, signed and published.
type Promoted struct {
	Path   string // relative to the packages folder, slash-separated
	SHA256 string // of the signed file
	Size   int64
	Entry  string // its Packages block, "KEY: value" lines
}

// Promote writes the farm's version of the staged package (BUILD_ID id,
// signed with key) to packages/<category>/<name>/<PF>-<id>.gpkg.tar in
// the binhost folder dir: a temporary file beside it, fsynced, renamed,
// the folder fsynced. The package is checked as it is copied (every check
// of gpkg.Read, and its CPV must be cpv, the claim's): a package refused
// (gpkg.Refused, ErrWrongPackage) leaves nothing behind, so the staged
// upload is read and hashed once, not once to check and once to copy. The
// path is made from cpv, checked as a package name, never from the
// upload's request.
func Promote(dir, staged, cpv string, id uint64, key *gpkg.Key, now time.Time) (Promoted, error) {
	src, err := os.Open(staged)
	if err != nil {
		return Promoted{}, fmt.Errorf("binhost: %w", err)
	}
	defer src.Close()
	now = now.Truncate(time.Second)
	tmp, rel, err := createTarget(dir, cpv, id)
	if err != nil {
		return Promoted{}, err
	}
	hs := map[string]hash.Hash{"MD5": md5.New(), "SHA1": sha1.New(), "SHA256": sha256.New()}
	count := &countWriter{}
	// The index's hashes on a goroutine of their own: the Manifest's are on
	// another (gpkg), the signature's on this one, so both cores work.
	pipe := hashpipe.New(hs["MD5"], hs["SHA1"], hs["SHA256"])
	defer pipe.Close()
	w := io.MultiWriter(tmp, pipe, count)
	pkg, err := gpkg.Rewrite(w, src, gpkg.RewriteOptions{BuildID: int(id), Key: key, Time: now})
	pipe.Close()
	if err == nil && pkg.CPV() != cpv {
		err = fmt.Errorf("%w: it is %s, the claim is for %s", ErrWrongPackage, pkg.CPV(), cpv)
	}
	if err != nil {
		atomicfile.Discard(tmp)
		return Promoted{}, err
	}
	final := filepath.Join(dir, PackagesDir, filepath.FromSlash(rel))
	if err := atomicfile.Publish(tmp, final, now); err != nil {
		return Promoted{}, err
	}
	sum := func(k string) string { return hex.EncodeToString(hs[k].Sum(nil)) }
	entry := entryOf(pkg.Metadata, Block{"MD5": sum("MD5"), "SHA1": sum("SHA1"), "SIZE": strconv.FormatInt(count.n, 10),
		"PATH": rel, "MTIME": strconv.FormatInt(now.Unix(), 10)})
	return Promoted{Path: rel, SHA256: sum("SHA256"), Size: count.n, Entry: entry}, nil
}

// createTarget creates the temporary file in the folder of cpv (as Check
// read it from the package), refusing a CPV that is not a package name.
func createTarget(dir, cpv string, id uint64) (*os.File, string, error) {
	a, err := portage.ParsePackage(cpv)
	if err != nil || a.Repo != "" || a.Slot != "" || a.CPV() != cpv {
		return nil, "", fmt.Errorf("%w: CPV %q is not a package name: %v", ErrWrongPackage, cpv, err)
	}
	pf := strings.TrimPrefix(a.CPV(), a.Category+"/")
	rel := a.Category + "/" + a.Name + "/" + pf + "-" + strconv.FormatUint(id, 10) + ".gpkg.tar"
	if !filepath.IsLocal(rel) {
		return nil, "", fmt.Errorf("%w: path %q", ErrWrongPackage, rel)
	}
	folder := filepath.Join(dir, PackagesDir, a.Category, a.Name)
	if err := os.MkdirAll(folder, DirMode); err != nil {
		return nil, "", fmt.Errorf("binhost: %w", err)
	}
	f, err := atomicfile.Create(folder, "."+pf+".tmp-*", FileMode)
	return f, rel, err
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// indexKeys are the metadata keys portage's bintree copies into a
// Packages entry (_pkgindex_keys), by their names in the index.
var indexKeys = map[string]string{
	"BDEPEND": "BDEPEND", "BUILD_ID": "BUILD_ID", "BUILD_TIME": "BUILD_TIME", "CHOST": "CHOST",
	"DEFINED_PHASES": "DEFINED_PHASES", "DEPEND": "DEPEND", "DESCRIPTION": "DESC", "EAPI": "EAPI",
	"IDEPEND": "IDEPEND", "IUSE": "IUSE", "KEYWORDS": "KEYWORDS", "LICENSE": "LICENSE", "PDEPEND": "PDEPEND",
	"PROPERTIES": "PROPERTIES", "PROVIDES": "PROVIDES", "RDEPEND": "RDEPEND", "REQUIRES": "REQUIRES",
	"RESTRICT": "RESTRICT", "SLOT": "SLOT", "USE": "USE", "repository": "REPO",
}

// entryOf is a package's Packages block: its metadata's index keys (white
// space collapsed, as portage does) plus CPV and the file's facts in file.
func entryOf(md *gpkg.Metadata, file Block) string {
	b := Block{"CPV": md.CPV()}
	for key, name := range indexKeys {
		if v := strings.Join(strings.Fields(md.Get(key)), " "); v != "" {
			b[name] = v
		}
	}
	for k, v := range file {
		b[k] = v
	}
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var s strings.Builder
	for _, k := range keys {
		s.WriteString(k + ": " + b[k] + "\n")
	}
	return s.String()
}

// ParseEntry reads a block written by Promote (a promoted event's Entry).
func ParseEntry(entry string) (Block, error) {
	b := Block{}
	for line := range strings.Lines(entry) {
		k, v, ok := strings.Cut(strings.TrimSuffix(line, "\n"), ": ")
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: entry line %q", ErrBadIndex, line)
		}
		b[k] = v
	}
	if b["CPV"] == "" {
		return nil, fmt.Errorf("%w: entry without CPV", ErrBadIndex)
	}
	return b, nil
}

// CheckName names the verification an upload failed, for a `rejected` event's
// signature: stable short words, like a build failure's.
func CheckName(err error) string {
	switch {
	case errors.Is(err, ErrTooLarge):
		return "too-large"
	case errors.Is(err, ErrEmpty):
		return "empty"
	case errors.Is(err, ErrSizeMismatch):
		return "size"
	case errors.Is(err, ErrHashMismatch):
		return "sha256"
	case errors.Is(err, ErrWrongPackage):
		return "cpv"
	case errors.Is(err, gpkg.ErrNotInManifest), errors.Is(err, gpkg.ErrSizeMismatch),
		errors.Is(err, gpkg.ErrHashMismatch), errors.Is(err, gpkg.ErrManifest):
		return "manifest"
	}
	return "gpkg"
}
