package gpkg

import (
	"errors"
	"fmt"
)

// Errors callers test for with errors.Is. Each names one reason a package is
// refused; the error's text adds the detail (member name, sizes, hashes).
var (
	// ErrNotTar: the file is not a readable ustar/pax/GNU tar archive.
	ErrNotTar = errors.New("gpkg: not a tar archive")
	// ErrBadPath: a member path that is absolute, has `..`, lacks the single
	// top folder, or sits in a second top folder.
	ErrBadPath = errors.New("gpkg: bad member path")
	// ErrNotRegular: a member that is a link, device, fifo or folder.
	ErrNotRegular = errors.New("gpkg: member is not a regular file")
	// ErrUnknownMember: a member name GLEP 78 does not define.
	ErrUnknownMember = errors.New("gpkg: unknown member")
	// ErrDuplicate: a member present twice (or two metadata or image archives).
	ErrDuplicate = errors.New("gpkg: duplicate member")
	// ErrOrder: gpkg-1 not first, or members out of portage's order.
	ErrOrder = errors.New("gpkg: members out of order")
	// ErrMissing: gpkg-1, metadata, image or Manifest absent, or a .sig
	// without the member it signs.
	ErrMissing = errors.New("gpkg: missing member")
	// ErrTooLarge: a member (or the metadata it unpacks to) over its bound.
	ErrTooLarge = errors.New("gpkg: member too large")
	// ErrManifest: a Manifest that does not parse.
	ErrManifest = errors.New("gpkg: bad Manifest")
	// ErrNotInManifest: a member the Manifest does not list, or a Manifest
	// entry without a member.
	ErrNotInManifest = errors.New("gpkg: Manifest does not match the members")
	// ErrSizeMismatch: a member whose size differs from its Manifest entry.
	ErrSizeMismatch = errors.New("gpkg: member size mismatch")
	// ErrHashMismatch: a member whose BLAKE2B or SHA512 differs from its
	// Manifest entry, or an entry lacking one of them.
	ErrHashMismatch = errors.New("gpkg: member hash mismatch")
	// ErrBadMetadata: a metadata archive that does not decode, holds
	// something other than metadata/<KEY> regular files, or lacks a key
	// every package has (CATEGORY, PF).
	ErrBadMetadata = errors.New("gpkg: bad metadata")
	// ErrUnsupportedCompression: a metadata archive compressed with
	// something this package does not decode (lz4, lzip, lzop, xz).
	ErrUnsupportedCompression = errors.New("gpkg: unsupported compression")
	// ErrBadFolder: the top folder is neither PF nor PF-BUILD_ID.
	ErrBadFolder = errors.New("gpkg: folder name does not match the metadata")
	// ErrBadSignature: a Manifest signature that does not verify against
	// the given keyring (only checked when one is given).
	ErrBadSignature = errors.New("gpkg: bad signature")
)

// refusals are the sentinels that judge a package's bytes.
var refusals = []error{ErrNotTar, ErrBadPath, ErrNotRegular, ErrUnknownMember, ErrDuplicate, ErrOrder,
	ErrMissing, ErrTooLarge, ErrManifest, ErrNotInManifest, ErrSizeMismatch, ErrHashMismatch,
	ErrBadMetadata, ErrUnsupportedCompression, ErrBadFolder, ErrBadSignature}

// Refused reports whether err says the package itself is unacceptable (one
// of the sentinels above), as opposed to a failure to read or write it: a
// caller rejects the package for the one and retries or reports the other.
func Refused(err error) bool {
	for _, r := range refusals {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// kindError gives an error the identity of a sentinel without repeating the
// sentinel's text (same idea as portage.kindError).
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// fail returns an error matching kind, reading "gpkg: <detail>".
func fail(kind error, format string, args ...any) error {
	return &kindError{kind, fmt.Errorf("gpkg: "+format, args...)}
}

// errorf is fmt.Errorf for details that a caller wraps in a sentinel.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
