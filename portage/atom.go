package portage

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Blocker strengths (PMS 8.3.2).
const (
	NoBlock     = 0 // a requirement
	WeakBlock   = 1 // "!": may be uninstalled after the blocking package is merged
	StrongBlock = 2 // "!!": must never be installed at the same time
)

// Atom is a package dependency specification (PMS 8.3) such as
// `!!>=dev-libs/foo-1.2-r1:2/2.1=::gentoo[bar,-baz?]`, or, from
// ParsePackage, one concrete package version as emerge prints it.
//
// The fields keep what was written, so String reproduces a parsed atom
// exactly and a log line or queue entry can be matched back to its source.
type Atom struct {
	// Blocker is NoBlock, WeakBlock ("!") or StrongBlock ("!!").
	Blocker int
	// Op is the version operator: "", "=", ">=", ">", "<=", "<", "~", or
	// "=*" for the =cat/name-1.2* prefix glob. Version is set iff Op is.
	Op string
	// Category and Name make the qualified package name cat/name.
	Category, Name string
	// Version is nil when the atom names no version (cat/name).
	Version *Version
	// BuildID is the binary-package instance number that emerge appends to
	// a [binary] line when FEATURES=binpkg-multi-instance is on
	// (dev-libs/glib-2.80.5-r1-4: build 4 of glib-2.80.5-r1); 0 means none.
	// Only ParsePackage accepts it: it names a built file, not a version.
	BuildID int
	// Slot and SubSlot are the slot restriction ":slot/sub"; SlotOp is ""
	// or the slot operator "=" (rebuild on sub-slot change) or "*" (any
	// slot). ":=" has an empty Slot; ":2=" has Slot "2" and SlotOp "=".
	Slot, SubSlot, SlotOp string
	// Repo is the repository restriction "::repo" (a portage extension).
	Repo string
	// USE holds the USE dependencies as written: "foo", "-bar", "baz?",
	// "!qux=", "ruby_targets_ruby30(-)".
	USE []string
}

// CP returns the qualified package name "cat/name".
func (a Atom) CP() string { return a.Category + "/" + a.Name }

// CPV returns "cat/name-version", or CP when the atom has no version.
func (a Atom) CPV() string {
	if a.Version == nil {
		return a.CP()
	}
	return a.CP() + "-" + a.Version.String()
}

// Key returns the form swarm queues a package under and substitutes into
// the build command's "={atom}": cat/name-version[:slot[/subslot]][::repo],
// without operator, build id, slot operator or USE dependencies. Two
// ParsePackage results with the same Key are the same thing to build.
func (a Atom) Key() string {
	var b strings.Builder
	b.WriteString(a.CPV())
	writeSlot(&b, a.Slot, a.SubSlot, "")
	if a.Repo != "" {
		b.WriteString("::" + a.Repo)
	}
	return b.String()
}

// String returns the atom as written: ParseAtom (or, for an atom with a
// BuildID, ParsePackage) of the result gives the same atom back.
func (a Atom) String() string {
	var b strings.Builder
	b.WriteString(strings.Repeat("!", a.Blocker))
	b.WriteString(strings.TrimSuffix(a.Op, "*"))
	b.WriteString(a.CPV())
	if a.BuildID != 0 {
		b.WriteString("-" + strconv.Itoa(a.BuildID))
	}
	if a.Op == "=*" {
		b.WriteString("*")
	}
	writeSlot(&b, a.Slot, a.SubSlot, a.SlotOp)
	if a.Repo != "" {
		b.WriteString("::" + a.Repo)
	}
	if len(a.USE) > 0 {
		b.WriteString("[" + strings.Join(a.USE, ",") + "]")
	}
	return b.String()
}

func writeSlot(b *strings.Builder, slot, sub, op string) {
	if slot == "" && op == "" {
		return
	}
	b.WriteString(":" + slot)
	if sub != "" {
		b.WriteString("/" + sub)
	}
	b.WriteString(op)
}

// ParseAtom parses a dependency atom as it appears in DEPEND, RDEPEND and
// friends (EAPI 8), plus portage's ::repo restriction:
//
//	[!|!!][op]cat/name[-version[*]][:slot[/subslot][=] | :* | :=][::repo][[use,...]]
//
// A version needs an operator and an operator needs a version; the *
// wildcard goes only with =. Names longer than portage can write as file
// names are refused (see MaxCategoryPF). Errors match ErrBadAtom and name
// what is wrong.
func ParseAtom(s string) (Atom, error) {
	a, err := parseAtom(s)
	if err == nil {
		err = checkLengths(a)
	}
	if err != nil {
		return Atom{}, atomError(s, err)
	}
	return a, nil
}

func parseAtom(s string) (Atom, error) {
	var a Atom
	rest := a.parseBlocker(s)
	rest = a.parseOp(rest)
	rest, err := a.parseUSE(rest)
	if err != nil {
		return Atom{}, err
	}
	if rest, err = a.parseRepo(rest); err != nil {
		return Atom{}, err
	}
	if rest, err = a.parseSlot(rest); err != nil {
		return Atom{}, err
	}
	cat, pv, err := splitCategory(rest)
	if err != nil {
		return Atom{}, err
	}
	a.Category = cat
	if a.Op == "" {
		return a, a.parseUnversioned(pv)
	}
	return a, a.parseVersioned(pv)
}

func (a *Atom) parseBlocker(s string) string {
	for a.Blocker < StrongBlock && strings.HasPrefix(s, "!") {
		a.Blocker++
		s = s[1:]
	}
	return s
}

func (a *Atom) parseOp(s string) string {
	for _, op := range []string{">=", "<=", "=", ">", "<", "~"} {
		if strings.HasPrefix(s, op) {
			a.Op = op
			return s[len(op):]
		}
	}
	return s
}

// parseUSE takes a trailing [use,...] list off s.
func (a *Atom) parseUSE(s string) (string, error) {
	open := strings.IndexByte(s, '[')
	if open < 0 {
		if strings.HasSuffix(s, "]") {
			return "", errors.New(`"]" without "["`)
		}
		return s, nil
	}
	if !strings.HasSuffix(s, "]") {
		return "", fmt.Errorf("USE dependencies %q do not end in \"]\"", s[open:])
	}
	body := s[open+1 : len(s)-1]
	if body == "" {
		return "", errors.New("empty USE dependencies []")
	}
	a.USE = strings.Split(body, ",")
	for _, u := range a.USE {
		if err := checkUseDep(u); err != nil {
			return "", err
		}
	}
	return s[:open], nil
}

// parseRepo takes a trailing ::repo off s.
func (a *Atom) parseRepo(s string) (string, error) {
	i := strings.Index(s, "::")
	if i < 0 {
		return s, nil
	}
	a.Repo = s[i+2:]
	if err := checkRepo(a.Repo); err != nil {
		return "", err
	}
	return s[:i], nil
}
