package drone

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/swarm-build/swarm/api"
)

// pkgFile is one binary package a build left in its PKGDIR.
type pkgFile struct {
	path   string // on disk
	name   string // relative to the PKGDIR, with '/'
	sha256 string
	size   int64
}

// findPackages lists the package files under dir, in lexical order: gpkg
// files (*.gpkg.tar) to upload, and xpak files (*.tbz2, *.xpak), which
// the farm refuses (default clients skip them).
func findPackages(dir string) (gpkg []pkgFile, xpak []string, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		switch name := filepath.ToSlash(rel); {
		case strings.HasSuffix(name, ".gpkg.tar"):
			gpkg = append(gpkg, pkgFile{path: path, name: name})
		case strings.HasSuffix(name, ".tbz2"), strings.HasSuffix(name, ".xpak"):
			xpak = append(xpak, name)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list the build's packages: %w", err)
	}
	return gpkg, xpak, nil
}

// hashFile reads the file at path once, streaming, for its SHA-256 and
// size.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("hash package: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hash package %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// uploadPackages sends every package of its own (ownPackages) that b's
// build left in its PKGDIR, in order, each under b's fence, and returns the completion to report:
// with the package's SHA-256 and size when it made exactly one. It
// returns false when b's story has ended instead: a package was rejected
// (the orchestrator took the package back), the claim went stale or was
// dropped, the lease ran out while the orchestrator was away, or the build
// left xpak packages or packages the orchestrator refused, which are
// reported as the build's failure.
func (a *Agent) uploadPackages(b *build) (api.CompleteRequest, bool) {
	req := api.CompleteRequest{Atom: b.claim.Atom, Fence: b.claim.Fence}
	gpkg, xpak, err := findPackages(b.pkgDir)
	if err != nil {
		a.failUpload(b, "pkgdir-unreadable", err.Error())
		return req, false
	}
	if len(xpak) > 0 {
		a.failUpload(b, "xpak-package", fmt.Sprintf("the build made xpak packages (%s); the farm takes gpkg only: set BINPKG_FORMAT=\"gpkg\"",
			strings.Join(xpak, ", ")))
		return req, false
	}
	gpkg, deps := ownPackages(b.claim.Atom, gpkg)
	for _, d := range deps {
		a.log.Info("not uploading a dependency's package the build fetched or made", "atom", b.claim.Atom, "file", d.name)
	}
	if len(gpkg) == 0 {
		a.log.Warn("the build left no binary package of its own in its PKGDIR", "atom", b.claim.Atom, "dir", b.pkgDir)
	}
	for i := range gpkg {
		p := &gpkg[i]
		if p.sha256, p.size, err = hashFile(p.path); err != nil {
			a.failUpload(b, "pkgdir-unreadable", err.Error())
			return req, false
		}
		err = a.send(b, "binpkg "+p.name, func(ctx context.Context) error {
			_, err := a.client.Binpkg(ctx, api.Upload{Atom: b.claim.Atom, Fence: b.claim.Fence, Name: p.name,
				SHA256: p.sha256, Size: p.size, Open: func() (io.ReadCloser, error) { return os.Open(p.path) }})
			return err
		})
		switch {
		case err == nil:
		case errors.Is(err, api.ErrRefused) || errors.Is(err, api.ErrBadRequest):
			a.failUpload(b, "upload-refused", fmt.Sprintf("the orchestrator refused %s: %v", p.name, err))
			return req, false
		default: // rejected, stale, dropped, lease lost: nothing more to tell
			a.ended(b, Failed)
			return req, false
		}
	}
	if len(gpkg) == 1 {
		req.SHA256, req.Size = gpkg[0].sha256, uint64(gpkg[0].size)
	}
	return req, true
}

// failUpload reports a build that succeeded but whose packages cannot be
// handed over.
func (a *Agent) failUpload(b *build, sig, reason string) {
	a.reportFailure(b, api.FailRequest{Signature: sig, Reason: reason, Excerpt: reason}, Failed)
}
