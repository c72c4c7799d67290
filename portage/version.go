package portage

import (
	"fmt"
	"strings"
)

// Version is a PMS version: numeric components, an optional letter, zero or
// more suffixes and an optional revision, as in 1.2.3b_rc1_p2-r1.
//
// Every number is kept as the digits that were written, not as an integer:
// PMS sets no limit on a component's length, compares a non-first numeric
// component with a leading zero as a string (1.01 < 1.1, 1.010 == 1.01), and
// an ebuild's file name must be reproduced exactly (1.0-r0 equals 1.0 but is
// a different file). String therefore returns the text that was parsed.
type Version struct {
	// Numbers holds the dot-separated numeric components, at least one,
	// each a non-empty run of ASCII digits.
	Numbers []string
	// Letter is "" or one lowercase letter a-z.
	Letter string
	// Suffixes holds _alpha, _beta, _pre, _rc and _p suffixes in order.
	Suffixes []Suffix
	// Revision holds the digits after "-r", or "" when there is no
	// revision; either way a missing number counts as 0.
	Revision string
}

// Suffix is one _alpha, _beta, _pre, _rc or _p suffix with its number.
type Suffix struct {
	Kind SuffixKind
	// Number holds the digits after the suffix, "" when none (counts as 0).
	Number string
}

// SuffixKind names a suffix; the constants are declared in PMS order, so
// Alpha < Beta < Pre < RC < P compares the way PMS does (a version without
// a suffix sits between RC and P, which CompareVersions handles).
type SuffixKind int

// The suffix kinds, lowest first.
const (
	Alpha SuffixKind = iota + 1
	Beta
	Pre
	RC
	P
)

var suffixNames = [...]string{Alpha: "alpha", Beta: "beta", Pre: "pre", RC: "rc", P: "p"}

// String returns the suffix's name without the underscore: "alpha" … "p".
func (k SuffixKind) String() string {
	if k < Alpha || k > P {
		return fmt.Sprintf("SuffixKind(%d)", int(k))
	}
	return suffixNames[k]
}

func suffixKind(name string) (SuffixKind, bool) {
	for k := Alpha; k <= P; k++ {
		if suffixNames[k] == name {
			return k, true
		}
	}
	return 0, false
}

// String returns the version as written, e.g. "1.2.3b_rc1-r1".
func (v Version) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(v.Numbers, "."))
	b.WriteString(v.Letter)
	for _, s := range v.Suffixes {
		b.WriteString("_" + s.Kind.String() + s.Number)
	}
	if v.Revision != "" {
		b.WriteString("-r" + v.Revision)
	}
	return b.String()
}

// ParseVersion parses a PMS version such as "1.2.3b_rc1_p2-r1". Errors name
// the part that is wrong and match ErrBadVersion.
func ParseVersion(s string) (Version, error) {
	var v Version
	rest, err := v.parseNumbers(s)
	if err != nil {
		return Version{}, err
	}
	if rest != "" && rest[0] >= 'a' && rest[0] <= 'z' {
		v.Letter, rest = rest[:1], rest[1:]
	}
	for strings.HasPrefix(rest, "_") {
		var suf Suffix
		if suf, rest, err = parseSuffix(rest); err != nil {
			return Version{}, versionError(s, "%v", err)
		}
		v.Suffixes = append(v.Suffixes, suf)
	}
	if strings.HasPrefix(rest, "-r") {
		v.Revision = rest[2:]
		if v.Revision == "" || !allDigits(v.Revision) {
			return Version{}, versionError(s, "revision %q is not -r followed by digits", rest)
		}
		rest = ""
	}
	if rest != "" {
		return Version{}, versionError(s, "unexpected %q after %q", rest, s[:len(s)-len(rest)])
	}
	return v, nil
}

// parseNumbers reads the leading [0-9]+(\.[0-9]+)* into v.Numbers and
// returns what follows.
func (v *Version) parseNumbers(s string) (string, error) {
	if s == "" {
		return "", versionError(s, "empty")
	}
	rest := s
	for {
		n := digitPrefix(rest)
		if n == 0 {
			if len(v.Numbers) == 0 {
				return "", versionError(s, "does not start with a digit")
			}
			return "", versionError(s, "empty numeric component after %q", s[:len(s)-len(rest)])
		}
		v.Numbers = append(v.Numbers, rest[:n])
		rest = rest[n:]
		if !strings.HasPrefix(rest, ".") {
			return rest, nil
		}
		rest = rest[1:]
	}
}

// parseSuffix reads one "_name[digits]" from the front of s.
func parseSuffix(s string) (Suffix, string, error) {
	name := s[1:]
	n := 0
	for n < len(name) && isLetter(name[n]) {
		n++
	}
	digits := digitPrefix(name[n:])
	kind, ok := suffixKind(name[:n])
	if !ok {
		return Suffix{}, s, &suffixError{s[:1+n+digits]}
	}
	return Suffix{Kind: kind, Number: name[n : n+digits]}, name[n+digits:], nil
}

// suffixError is an unknown suffix; the caller adds the version around it.
type suffixError struct{ text string }

func (e *suffixError) Error() string {
	if e.text == "_" {
		return `empty suffix "_" (want _alpha, _beta, _pre, _rc or _p)`
	}
	return fmt.Sprintf("unknown suffix %q (want _alpha, _beta, _pre, _rc or _p)", e.text)
}

func digitPrefix(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func allDigits(s string) bool { return digitPrefix(s) == len(s) }
