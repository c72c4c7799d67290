package portage

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The name rules of PMS section 3.1. Each check returns an error that names
// the kind of name, the name and what is wrong with it.

// nameRule is one PMS name rule: which bytes may appear, and which may not
// come first.
type nameRule struct {
	what      string // "category", "package name" …
	extra     string // allowed besides A-Za-z0-9
	notFirst  string // allowed, but not as the first byte
	alnumHead bool   // must begin with A-Za-z0-9
}

var (
	categoryRule = nameRule{what: "category", extra: "+_.-", notFirst: "-.+"}
	packageRule  = nameRule{what: "package name", extra: "+_-", notFirst: "-+"}
	slotRule     = nameRule{what: "slot", extra: "+_.-", notFirst: "-.+"}
	subSlotRule  = nameRule{what: "sub-slot", extra: "+_.-", notFirst: "-.+"}
	repoRule     = nameRule{what: "repository name", extra: "_-", notFirst: "-"}
	useFlagRule  = nameRule{what: "USE flag", extra: "+_@-", alnumHead: true}
)

func (r nameRule) check(s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", r.what)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || strings.IndexByte(r.extra, c) >= 0 {
			continue
		}
		if c == ' ' {
			return fmt.Errorf("%s %q has a space", r.what, s)
		}
		bad, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("%s %q has %q, which is not allowed (want only A-Za-z0-9%s)", r.what, s, bad, r.extra)
	}
	if strings.IndexByte(r.notFirst, s[0]) >= 0 || (r.alnumHead && !isAlnum(s[0])) {
		return fmt.Errorf("%s %q must not begin with %q", r.what, s, s[0])
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// checkCategory applies PMS 3.1.1.
func checkCategory(s string) error { return categoryRule.check(s) }

// checkPackageName applies PMS 3.1.2, including that the name must not end
// in a hyphen followed by a version: otherwise "foo-1" could be the package
// "foo-1" or version 1 of "foo", and the split of cat/pkg-ver would be
// ambiguous.
func checkPackageName(s string) error {
	return endsInVersion(packageRule, s)
}

// checkRepo applies PMS 3.1.5: repository characters, and a repository name
// must also be a valid package name.
func checkRepo(s string) error {
	return endsInVersion(repoRule, s)
}

func endsInVersion(r nameRule, s string) error {
	if err := r.check(s); err != nil {
		return err
	}
	for i := strings.IndexByte(s, '-'); i >= 0; i = nextByte(s, '-', i) {
		if _, err := ParseVersion(s[i+1:]); err == nil {
			return fmt.Errorf("%s %q ends in a hyphen and a version (%q)", r.what, s, s[i:])
		}
	}
	return nil
}

// nextByte returns the index of the next c in s after index i, or -1.
func nextByte(s string, c byte, i int) int {
	j := strings.IndexByte(s[i+1:], c)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// checkUseDep applies PMS 8.3.4 to one element of a [use] list: flag,
// flag=, !flag=, flag?, !flag?, -flag, each flag optionally followed by a
// (+) or (-) default.
func checkUseDep(s string) error {
	rest, neg, not := s, false, false
	switch {
	case strings.HasPrefix(rest, "-"):
		rest, neg = rest[1:], true
	case strings.HasPrefix(rest, "!"):
		rest, not = rest[1:], true
	}
	end := strings.IndexAny(rest, "(=?")
	if end < 0 {
		end = len(rest)
	}
	if err := useFlagRule.check(rest[:end]); err != nil {
		return fmt.Errorf("USE dependency %q: %w", s, err)
	}
	rest = rest[end:]
	if strings.HasPrefix(rest, "(+)") || strings.HasPrefix(rest, "(-)") {
		rest = rest[3:]
	}
	cond := rest == "=" || rest == "?"
	switch {
	case rest != "" && !cond:
		return fmt.Errorf("USE dependency %q: unexpected %q (want flag, flag=, !flag=, flag?, !flag?, -flag, with an optional (+) or (-) default)", s, rest)
	case neg && cond:
		return fmt.Errorf("USE dependency %q: -flag takes no = or ?", s)
	case not && !cond:
		return fmt.Errorf("USE dependency %q: !flag needs = or ? after it", s)
	}
	return nil
}
