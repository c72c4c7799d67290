package projections

import (
	"path"
	"strings"
)

// MatchPattern reports whether an exclusion pattern matches a queued atom.
// The atom is a version as emerge prints it (`=dev-lang/perl-5.24.0-r1:0::gentoo`);
// the pattern is a package (`cat/name`), a version (`cat/name-1.2`, with or
// without operator), or a glob over either (`cat/*`, `*/*-bin`, `dev-lang/perl-5.*`).
func MatchPattern(pattern, atom string) bool { return compilePattern(pattern).match(atom) }

// matcher is a pattern prepared once for matching against many atoms.
type matcher struct {
	bare   string
	prefix string // what every match starts with: the pattern up to its first wildcard
	glob   bool
}

func compilePattern(pattern string) matcher {
	b := bare(pattern)
	i := strings.IndexAny(b, "*?[\\")
	if i < 0 {
		return matcher{bare: b, prefix: b}
	}
	return matcher{bare: b, prefix: b[:i], glob: true}
}

// match is cheap for the atoms a pattern cannot match (most of the queue):
// they fail the prefix test before any parsing.
func (m matcher) match(atom string) bool {
	a := bare(atom)
	if m.bare == "" || a == "" || !strings.HasPrefix(a, m.prefix) {
		return false
	}
	name := packageName(a)
	if m.bare == a || m.bare == name {
		return true
	}
	if !m.glob {
		return false
	}
	if ok, _ := path.Match(m.bare, name); ok {
		return true
	}
	ok, _ := path.Match(m.bare, a)
	return ok
}

// CP returns the cat/name of a queued atom (`=dev-qt/qtcore-5.15.2:5::kit`
// gives `dev-qt/qtcore`): the key of expected build times. Cheap enough for
// the dispatcher to call per candidate.
func CP(atom string) string { return packageName(bare(atom)) }

// bare strips an atom's operator, repository and slot: `=cat/name-1.0:2::gentoo`
// becomes `cat/name-1.0`.
func bare(atom string) string {
	i := 0
	for i < len(atom) && strings.IndexByte("=<>~!", atom[i]) >= 0 {
		i++
	}
	a := atom[i:]
	if i := strings.IndexByte(a, ':'); i >= 0 { // the slot, or the repository's "::"
		a = a[:i]
	}
	return a
}

// packageName strips the version from a bare atom: `cat/name-1.0-r1` becomes
// `cat/name`. The version starts at the first hyphen followed by a valid
// version, so names with digits (`font-adobe-100dpi`) keep them.
func packageName(a string) string {
	i := strings.IndexByte(a, '/') // -1 without a category: search from 0
	for {
		j := strings.IndexByte(a[i+1:], '-')
		if j < 0 {
			break
		}
		i += 1 + j
		if isVersion(strings.TrimSuffix(a[i+1:], "*")) {
			return a[:i]
		}
	}
	return a
}

// isVersion checks PMS version syntax:
// digits(.digits)* [letter] (_alpha|_beta|_pre|_rc|_p digits?)* (-r digits)?
func isVersion(v string) bool {
	n := digits(v)
	if n == 0 {
		return false
	}
	v = v[n:]
	for len(v) > 1 && v[0] == '.' && digits(v[1:]) > 0 {
		v = v[1+digits(v[1:]):]
	}
	if len(v) > 0 && v[0] >= 'a' && v[0] <= 'z' {
		v = v[1:]
	}
	for suffix := true; suffix; {
		suffix = false
		for _, s := range [...]string{"_alpha", "_beta", "_pre", "_rc", "_p"} {
			if rest, ok := strings.CutPrefix(v, s); ok && (rest == "" || rest[0] == '_' || rest[0] == '-' || rest[0] >= '0' && rest[0] <= '9') {
				v, suffix = rest[digits(rest):], true
				break
			}
		}
	}
	if rest, ok := strings.CutPrefix(v, "-r"); ok && digits(rest) == len(rest) && rest != "" {
		v = ""
	}
	return v == ""
}

// digits returns how many leading ASCII digits s has.
func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
