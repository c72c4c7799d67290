package portage

import (
	"errors"
	"fmt"
)

// Errors callers test for with errors.Is. Every parse error matches one of
// them and reads as a one-line reason naming the bad input, fit to print as is.
var (
	// ErrBadAtom: text that is not a valid atom (dependency atom or package).
	// An atom whose version is bad matches ErrBadVersion as well.
	ErrBadAtom = errors.New("portage: bad atom")

	// ErrBadVersion: text that is not a valid PMS version.
	ErrBadVersion = errors.New("portage: bad version")

	// ErrBadInfo: output that is not `emerge --info` (or `portageq envvar
	// -v`) with at least one of the fingerprint's settings.
	ErrBadInfo = errors.New("portage: not emerge --info output")
)

// kindError gives an error the identity of a sentinel without repeating the
// sentinel's text, so a message reads `parse atom "x": no version` rather
// than `portage: bad atom: parse atom "x": no version`, and still matches
// errors.Is(err, ErrBadAtom) and any error it wraps.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// versionError reports why s is not a version.
func versionError(s, format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	return &kindError{ErrBadVersion, fmt.Errorf("version %q: %s", s, detail)}
}

// atomError reports why s is not an atom; cause (which may itself be a
// version error) is wrapped so errors.Is sees through it. A long s is cut
// to its first bytes and its length, so the error stays one short line.
func atomError(s string, cause error) error {
	shown := fmt.Sprintf("%q", s)
	if len(s) > maxShownAtom {
		shown = fmt.Sprintf("%q…(%d bytes)", s[:maxShownAtom/2], len(s))
	}
	return &kindError{ErrBadAtom, fmt.Errorf("parse atom %s: %w", shown, cause)}
}

// maxShownAtom is the longest atom an error quotes whole.
const maxShownAtom = 128
