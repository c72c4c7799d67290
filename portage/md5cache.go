package portage

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrMetadata: an md5-cache entry (a file, or a row of the TSV form) that
// cannot be read: a line that is not KEY=value, a repeated key, a missing
// or bad CPV or SLOT. A bad dependency specification is not this error: it
// makes the ebuild Invalid, as in portage (see Ebuild.Invalid).
var ErrMetadata = errors.New("portage: bad md5-cache metadata")

// Metadata is one md5-cache entry, metadata/md5-cache/<cat>/<pf> in a
// repository: the KEY=value lines portage's egencache writes for an ebuild
// (EAPI, SLOT, KEYWORDS, IUSE, DEPEND, RDEPEND, BDEPEND, PDEPEND, IDEPEND,
// DESCRIPTION, _eclasses_, _md5_ …), values as written. A key that is
// absent and a key with an empty value both read as "".
type Metadata map[string]string

// ParseMetadata reads one md5-cache file. Every non-blank line must be
// KEY=value with a key of letters, digits and underscores, each key at most
// once; the value is the rest of the line, verbatim. Errors match
// ErrMetadata and name the line.
func ParseMetadata(r io.Reader) (Metadata, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read md5-cache entry: %w", err)
	}
	m := Metadata{}
	for i, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := m.addLine(line); err != nil {
			return nil, &kindError{ErrMetadata, fmt.Errorf("md5-cache line %d: %w", i+1, err)}
		}
	}
	return m, nil
}

func (m Metadata) addLine(line string) error {
	key, value, ok := strings.Cut(line, "=")
	if !ok {
		return fmt.Errorf("%q is not KEY=value", clip(line))
	}
	if err := checkMetadataKey(key); err != nil {
		return err
	}
	if _, dup := m[key]; dup {
		return fmt.Errorf("key %s given twice", key)
	}
	m[key] = value
	return nil
}

func checkMetadataKey(key string) error {
	if key == "" {
		return errors.New("empty key before \"=\"")
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; !isAlnum(c) && c != '_' {
			return fmt.Errorf("key %q has %q (want A-Za-z0-9_)", clip(key), c)
		}
	}
	return nil
}

// clip shortens s for an error message; md5-cache lines run to kilobytes.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// Ebuild is what swarm needs of one ebuild's metadata: enough to select
// versions and to order builds.
//
// Depend trees may be shared between ebuilds (loaders parse each distinct
// specification once): treat them as read-only.
type Ebuild struct {
	// Package is the ebuild as a concrete package, as ParsePackage returns
	// it: Op "=", category, name, version, Slot and SubSlot from SLOT, and
	// Repo (the md5-cache's repository, or "" when unknown). Matches and
	// BestMatch take it as is.
	Package Atom
	// EAPI as written; "0" when the entry has none (PMS 7.3.1).
	EAPI string
	// Keywords are KEYWORDS split on spaces: "amd64", "~amd64", "-*", and
	// in Funtoo and Macaroni kits also "*" (every arch, stable).
	Keywords []string
	// IUSE as written, defaults kept: "+ssl" is on unless configured off,
	// "-doc" and "doc" are off. DefaultUSE reads the defaults.
	IUSE []string
	// The five dependency keys (PMS 8.1): build (DEPEND), build host
	// (BDEPEND), runtime (RDEPEND), post-merge (PDEPEND) and install-time
	// (IDEPEND) dependencies.
	Depend, BDepend, RDepend, PDepend, IDepend Depend
	// Invalid is why portage would mask this ebuild as invalid (a
	// dependency specification that does not parse, matching ErrDepend),
	// or nil. Its dependency fields are then empty. Loaders keep invalid
	// ebuilds rather than fail: a real tree has a few (the Macaroni
	// snapshot has seven), and portage too reads the rest of the tree.
	Invalid error
}

// DefaultUSE returns the flags IUSE turns on by default ("+flag"), without
// the "+".
func (e *Ebuild) DefaultUSE() []string {
	var on []string
	for _, f := range e.IUSE {
		if flag, ok := strings.CutPrefix(f, "+"); ok {
			on = append(on, flag)
		}
	}
	return on
}

// Ebuild reads the entry of the ebuild cpv (cat/name-version, as the
// md5-cache path cat/pf says) in repository repo ("" when unknown). SLOT
// is required. Errors match ErrMetadata; a dependency specification that
// does not parse is not an error but sets Invalid.
func (m Metadata) Ebuild(cpv, repo string) (Ebuild, error) {
	var e Ebuild
	err := m.fill(&e, cpv, repo, nil)
	return e, err
}

// fill is Ebuild writing into *e (loaders fill their result slice in
// place: an Ebuild is half a kilobyte) and parsing through cache, which
// they share across entries; a nil cache parses every specification.
func (m Metadata) fill(e *Ebuild, cpv, repo string, cache *depCache) error {
	pkg, err := metadataPackage(cpv, m["SLOT"], repo)
	if err != nil {
		return &kindError{ErrMetadata, err}
	}
	*e = Ebuild{Package: pkg, EAPI: m["EAPI"], Keywords: strings.Fields(m["KEYWORDS"]), IUSE: strings.Fields(m["IUSE"])}
	if e.EAPI == "" {
		e.EAPI = "0"
	}
	for _, f := range []struct {
		key string
		dst *Depend
	}{{"DEPEND", &e.Depend}, {"BDEPEND", &e.BDepend}, {"RDEPEND", &e.RDepend}, {"PDEPEND", &e.PDepend}, {"IDEPEND", &e.IDepend}} {
		d, err := cache.parse(m[f.key])
		if err != nil {
			e.Depend, e.BDepend, e.RDepend, e.PDepend, e.IDepend = Depend{}, Depend{}, Depend{}, Depend{}, Depend{}
			e.Invalid = fmt.Errorf("%s %s: %w", pkg.CPV(), f.key, err)
			return nil
		}
		*f.dst = d
	}
	return nil
}

// metadataPackage makes the package of an md5-cache entry from its path's
// cpv, its SLOT value and the repository.
func metadataPackage(cpv, slot, repo string) (Atom, error) {
	a, err := ParsePackage(cpv)
	if err != nil {
		return Atom{}, err
	}
	if a.CPV() != cpv {
		return Atom{}, fmt.Errorf("%q is not cat/name-version", cpv)
	}
	if slot == "" {
		return Atom{}, fmt.Errorf("%s: no SLOT", cpv)
	}
	s, sub, hasSub := strings.Cut(slot, "/")
	err = slotRule.check(s)
	if err == nil && hasSub {
		err = subSlotRule.check(sub)
	}
	if err == nil && repo != "" {
		err = checkRepo(repo)
	}
	if err != nil {
		return Atom{}, fmt.Errorf("%s: %w", cpv, err)
	}
	a.Slot, a.SubSlot, a.Repo = s, sub, repo
	return a, nil
}
