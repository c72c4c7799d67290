package gpkg

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// VerifyMemberSignatures is the second pass of a signed package's check.
// Read verifies the clear-signed Manifest, whose hashes cover every member,
// .sig files included; portage (gpkg.py) also checks each archive's
// detached .sig against the archive's bytes, and refuses the package when
// one does not verify, however sound the Manifest. This checks the same:
// every archive (metadata, image) has a .sig, and it verifies against
// keyring. The .sig members are read first (they follow their archives),
// then each archive is streamed through its check, so r is read twice
// from its start and never held in memory. r should be a package Read
// accepted; failures are ErrBadSignature (a .sig that does not verify, or
// none), ErrNotTar or ErrTooLarge.
func VerifyMemberSignatures(r io.ReadSeeker, keyring openpgp.KeyRing) error {
	sigs, err := readSigs(r)
	if err != nil {
		return err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return fail(ErrNotTar, "second pass: %v", err)
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fail(ErrNotTar, "second pass: %v", err)
		}
		_, base, err := splitMember(h.Name)
		if err != nil {
			return err
		}
		if k, _, _ := classify(base); k != kindMetadata && k != kindImage {
			continue
		}
		sig, ok := sigs[base]
		if !ok {
			return fail(ErrBadSignature, "%s has no .sig", base)
		}
		if _, err := openpgp.CheckArmoredDetachedSignature(keyring, tr, bytes.NewReader(sig), nil); err != nil {
			return fail(ErrBadSignature, "%s.sig: %v", base, err)
		}
	}
}

// readSigs reads every .sig member of r from its start, by the base name
// of the member it signs.
func readSigs(r io.ReadSeeker) (map[string][]byte, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fail(ErrNotTar, "%v", err)
	}
	bound := Limits{}.withDefaults().Signature
	sigs := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return sigs, nil
		}
		if err != nil {
			return nil, fail(ErrNotTar, "%v", err)
		}
		_, base, err := splitMember(h.Name)
		if err != nil {
			return nil, err
		}
		if k, _, _ := classify(base); k != kindMetadataSig && k != kindImageSig {
			continue
		}
		if h.Size > bound {
			return nil, fail(ErrTooLarge, "member %q: %d bytes, at most %d", base, h.Size, bound)
		}
		sig, err := io.ReadAll(tr)
		if err != nil {
			return nil, fail(ErrNotTar, "member %q: %v", base, err)
		}
		sigs[strings.TrimSuffix(base, ".sig")] = sig
	}
}
