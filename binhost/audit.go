package binhost

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/swarm-build/swarm/portage/gpkg"
	"github.com/swarm-build/swarm/projections"
)

// Problem kinds an audit names. A file problem (the first six) is
// repaired by rebuilding its package; an index problem by rewriting the
// index; an unknown file only by the operator.
const (
	ProblemMissing   = "missing"   // a listed build's file is not there
	ProblemEmpty     = "empty"     // a zero-byte file
	ProblemTruncated = "truncated" // shorter than its promotion said
	ProblemSize      = "size"      // longer than its promotion said
	ProblemHash      = "sha256"    // its SHA-256 is not its promotion's
	ProblemSignature = "signature" // not a valid gpkg signed with the farm's key
	ProblemUnknown   = "unknown-file"
	ProblemIndex     = "index" // Packages or Packages.gz differ from the events or the files
)

// Problem is one thing wrong with the binhost.
type Problem struct {
	Path    string `json:"path"` // relative to the binhost folder
	Kind    string `json:"problem"`
	Detail  string `json:"detail"`
	CPV     string `json:"cpv,omitempty"`
	BuildID uint64 `json:"build_id,omitempty"`
}

// String is the problem as verify prints it: path, then what is wrong.
func (p Problem) String() string { return p.Path + ": " + p.Kind + ": " + p.Detail }

// Damaged reports whether the problem is the build's file (rebuild it).
func (p Problem) Damaged() bool {
	switch p.Kind {
	case ProblemMissing, ProblemEmpty, ProblemTruncated, ProblemSize, ProblemHash, ProblemSignature:
		return p.CPV != ""
	}
	return false
}

// AuditReport is what Audit found.
type AuditReport struct {
	Files    int       `json:"files"` // listed builds checked
	Bytes    int64     `json:"bytes"` // of them, hashed
	Problems []Problem `json:"problems"`
}

// AuditOptions tune Audit.
type AuditOptions struct {
	// Keyring is the farm's key: every file's Manifest must be signed by it.
	Keyring openpgp.KeyRing
	// Progress, when set, is told the bytes hashed so far and the total.
	Progress func(done, total int64)
	// Now and Settle: a build promoted less than Settle before Now, and
	// after the index's TIMESTAMP, may not be in the index yet (the
	// server writes it within seconds).
	Now    time.Time
	Settle time.Duration
}

// Audit checks the binhost folder dir against builds (State.Builds, the
// listed builds) and pruned (State.PrunedBuilds, whose files may wait
// for their sweep): each listed file's size, SHA-256 and signature, the
// index against the events and the files both ways, and files nobody
// listed. Each file is read once, streamed.
func Audit(ctx context.Context, dir string, builds, pruned []projections.Build, opts AuditOptions) (AuditReport, error) {
	var rep AuditReport
	var total, done int64
	for _, b := range builds {
		total += int64(b.Size)
	}
	for _, b := range builds {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Files++
		p, n, err := auditFile(dir, b, opts.Keyring, func(k int64) {
			if opts.Progress != nil {
				opts.Progress(done+k, total)
			}
		})
		if err != nil {
			return rep, err
		}
		done += n
		rep.Bytes += n
		if p != nil {
			rep.Problems = append(rep.Problems, *p)
		}
	}
	unknown, err := unknownFiles(dir, builds, pruned)
	if err != nil {
		return rep, err
	}
	rep.Problems = append(rep.Problems, unknown...)
	idx, err := auditIndex(dir, builds, opts)
	if err != nil {
		return rep, err
	}
	rep.Problems = append(rep.Problems, idx...)
	return rep, nil
}

// auditFile checks one listed build's file; nil when it is sound. n is
// the bytes read.
func auditFile(dir string, b projections.Build, keyring openpgp.KeyRing, progress func(int64)) (*Problem, int64, error) {
	rel := PackagesDir + "/" + b.Path
	bad := func(kind, format string, args ...any) *Problem {
		return &Problem{Path: rel, Kind: kind, Detail: fmt.Sprintf(format, args...), CPV: b.CPV, BuildID: b.BuildID}
	}
	if !filepath.IsLocal(filepath.FromSlash(b.Path)) {
		return bad(ProblemMissing, "the promotion names a path outside the binhost"), 0, nil
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return bad(ProblemMissing, "no such file (promoted as event %d)", b.Seq), 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("binhost: audit: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	cr := &countReader{r: f, progress: progress}
	_, rerr := gpkg.Read(io.TeeReader(cr, h), &gpkg.Options{Keyring: keyring})
	if _, err := io.Copy(h, cr); err != nil { // the tar's padding, or the rest after an error
		return nil, cr.n, fmt.Errorf("binhost: audit: %s: %w", rel, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	switch size := uint64(cr.n); {
	case size == 0:
		return bad(ProblemEmpty, "zero bytes, promoted with %d", b.Size), 0, nil
	case size < b.Size:
		return bad(ProblemTruncated, "%d bytes, promoted with %d", size, b.Size), cr.n, nil
	case size > b.Size:
		return bad(ProblemSize, "%d bytes, promoted with %d", size, b.Size), cr.n, nil
	case rerr != nil:
		return bad(ProblemSignature, "%v", rerr), cr.n, nil
	case sum != b.SHA256:
		return bad(ProblemHash, "sha256 %s, promoted with %s", sum, b.SHA256), cr.n, nil
	}
	if keyring == nil {
		return nil, cr.n, nil
	}
	// The second pass: each archive's .sig, which portage checks too.
	if err := gpkg.VerifyMemberSignatures(f, keyring); err != nil {
		return bad(ProblemSignature, "%v", err), cr.n, nil
	}
	return nil, cr.n, nil
}

// countReader counts what is read and reports it every MiB.
type countReader struct {
	r        io.Reader
	n, told  int64
	progress func(int64)
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n-c.told >= 1<<20 || (err == io.EOF && c.n != c.told) {
		c.told = c.n
		c.progress(c.n)
	}
	return n, err
}

// unknownFiles are files in the packages folder that no build names:
// neither listed nor pruned and awaiting deletion. Dot files are
// promotions and index writes in flight.
func unknownFiles(dir string, builds, pruned []projections.Build) ([]Problem, error) {
	known := map[string]bool{IndexFile: true, IndexGzFile: true}
	for _, b := range slices.Concat(builds, pruned) {
		known[b.Path] = true
	}
	root := filepath.Join(dir, PackagesDir)
	var out []Problem
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == root {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); !known[rel] {
			out = append(out, Problem{Path: PackagesDir + "/" + rel, Kind: ProblemUnknown,
				Detail: "no promotion names this file"})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("binhost: audit: %w", err)
	}
	return out, nil
}

// indexFields are the fields of an entry a client checks, or that say
// which file it is.
var indexFields = []string{"SIZE", "MTIME", "MD5", "SHA1", "PATH", "BUILD_ID"}

// auditIndex checks Packages against the builds both ways (an entry for
// every build with the fields of its promotion, no entry without one) and
// that Packages.gz holds the same index.
func auditIndex(dir string, builds []projections.Build, opts AuditOptions) ([]Problem, error) {
	plainPath := PackagesDir + "/" + IndexFile
	bad := func(path, format string, args ...any) Problem {
		return Problem{Path: path, Kind: ProblemIndex, Detail: fmt.Sprintf(format, args...)}
	}
	data, err := os.ReadFile(filepath.Join(dir, PackagesDir, IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		if len(builds) == 0 {
			return nil, nil
		}
		return []Problem{bad(plainPath, "missing, and %d builds are promoted", len(builds))}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("binhost: audit: %w", err)
	}
	var out []Problem
	x, err := Parse(bytes.NewReader(data))
	if err != nil {
		return []Problem{bad(plainPath, "%v", err)}, nil
	}
	if p := auditGzip(dir, data); p != "" {
		out = append(out, bad(PackagesDir+"/"+IndexGzFile, "%s", p))
	}
	stamp, _ := strconv.ParseInt(x.Header["TIMESTAMP"], 10, 64)
	listed := map[string]Block{}
	for _, e := range x.Packages {
		listed[e["PATH"]] = e
	}
	for _, b := range builds {
		e, ok := listed[b.Path]
		delete(listed, b.Path)
		if !ok {
			// An index written before the promotion may lag it a little.
			lagging := stamp < b.Time.Unix() && opts.Now.Sub(b.Time) <= opts.Settle
			if !lagging {
				out = append(out, bad(plainPath, "no entry for %s (build %d of %s)", b.Path, b.BuildID, b.CPV))
			}
			continue
		}
		want, err := ParseEntry(b.Entry)
		if err != nil {
			return nil, err
		}
		for _, k := range indexFields {
			if got, w := x.Get(e, k), x.Get(want, k); got != w {
				out = append(out, bad(plainPath, "%s: %s is %q, promoted with %q", b.Path, k, got, w))
			}
		}
	}
	for _, path := range slices.Sorted(maps.Keys(listed)) {
		out = append(out, bad(plainPath, "entry %s (%s) has no promoted build", path, listed[path]["CPV"]))
	}
	return out, nil
}

// auditGzip says how Packages.gz differs from Packages ("": it does not).
func auditGzip(dir string, plain []byte) string {
	f, err := os.Open(filepath.Join(dir, PackagesDir, IndexGzFile))
	if err != nil {
		return fmt.Sprintf("%v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Sprintf("not gzip: %v", err)
	}
	got, err := io.ReadAll(io.LimitReader(zr, int64(len(plain))+1))
	if err != nil {
		return fmt.Sprintf("does not decompress: %v", err)
	}
	if !bytes.Equal(got, plain) {
		return "does not hold the same index as Packages"
	}
	return ""
}
