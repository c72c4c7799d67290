package portage

// Matches reports whether the dependency atom a (from ParseAtom) is
// satisfied by the concrete package p (from ParsePackage), the way PMS
// section 8.3 defines a match:
//
//   - the category and package name are equal;
//   - the version satisfies a's operator (PMS 8.3.1): < <= = >= > by
//     CompareVersions; ~ is = with both revisions ignored (~1.0 matches
//     1.0-r5); =1.2* compares only the components written before the *
//     (see globMatches: =dev-lang/python-3.1* matches 3.1, 3.1.2, 3.1_rc1
//     and 3.1-r2, but not 3.10);
//   - a's slot and sub-slot, when a gives them, equal p's;
//   - a's ::repo, when a gives it, equals p's.
//
// What p does not say cannot fail it: emerge prints a slot or repository
// only with some options, so a p without a slot (or sub-slot, or repo)
// passes a's restriction on it. PMS treats a slot that cannot be determined
// as no match; a caller that knows p's slot must put it in p. A slot
// operator (:= :* :2=) restricts nothing beyond its named slot: it says how
// to rebuild, not what matches. p's build id is ignored: every binary
// instance of a version is that version.
//
// USE dependencies ([foo,-bar]) are ignored: checking them needs p's USE
// flags and IUSE, which a package name does not carry. Blockers are ignored
// too: Matches on !cat/foo answers whether p is what the blocker names, and
// the caller decides that p must then not be installed.
func (a Atom) Matches(p Atom) bool {
	if a.Category != p.Category || a.Name != p.Name {
		return false
	}
	if !a.versionMatches(p.Version) {
		return false
	}
	if !unknownOrEqual(a.Slot, p.Slot) || !unknownOrEqual(a.SubSlot, p.SubSlot) {
		return false
	}
	return unknownOrEqual(a.Repo, p.Repo)
}

// unknownOrEqual reports whether restriction want ("" for none) accepts
// have ("" for unknown).
func unknownOrEqual(want, have string) bool {
	return want == "" || have == "" || want == have
}

// versionMatches applies a's operator to version v (nil: p has no version,
// which only an unversioned atom accepts).
func (a Atom) versionMatches(v *Version) bool {
	if a.Op == "" || a.Version == nil {
		return true
	}
	if v == nil {
		return false
	}
	switch a.Op {
	case "=*":
		return globMatches(*a.Version, *v)
	case "~":
		return CompareVersions(withoutRevision(*a.Version), withoutRevision(*v)) == 0
	}
	c := CompareVersions(*v, *a.Version)
	switch a.Op {
	case "=":
		return c == 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false // an Op that ParseAtom never produces
}

func withoutRevision(v Version) Version {
	v.Revision = ""
	return v
}

// globMatches implements the = operator with a trailing * (PMS 8.3.1):
// "only the given number of version components is used for comparison,
// i.e. the asterisk acts as a wildcard for any further components".
//
// The components of a version, in order, are its numeric components, its
// letter, each suffix and the revision. v matches glob g when every
// component g writes is present in v at the same place and equal by the
// PMS comparison rules; what v has after them is free. So =1.2* matches
// 1.2, 1.2.3, 1.2a, 1.2_rc1 and 1.2-r1 but not 1.20 or 1.3; =1.2_rc*
// matches 1.2_rc and 1.2_rc5 (the suffix number is a further component,
// as in portage) but not 1.2.1_rc1, whose third component is not _rc.
//
// Portage implements this as a string prefix ending at a version-part
// boundary (portage bug 560466, which made 1* stop matching 10). The two
// agree except on components with leading zeros, where this compares as
// PMS does: =1.0* matches 1.00 and =1.01* matches 1.010 (equal by PMS
// algorithm 3.3), which portage's string prefix rejects.
func globMatches(g, v Version) bool {
	last := len(g.Numbers) - 1
	if len(v.Numbers) <= last {
		return false
	}
	if compareInts(g.Numbers[0], v.Numbers[0]) != 0 {
		return false
	}
	for i := 1; i <= last; i++ {
		if compareComponent(g.Numbers[i], v.Numbers[i]) != 0 {
			return false
		}
	}
	moreAfterNumbers := g.Letter != "" || len(g.Suffixes) > 0 || g.Revision != ""
	if !moreAfterNumbers {
		return true
	}
	// g continues after its numbers, so v's numbers must end where g's do.
	if len(v.Numbers) != len(g.Numbers) || g.Letter != v.Letter {
		return false
	}
	return globSuffixesMatch(g, v)
}

// globSuffixesMatch compares the suffixes and revision of glob g and v,
// whose numbers and letter already match.
func globSuffixesMatch(g, v Version) bool {
	if len(v.Suffixes) < len(g.Suffixes) {
		return false
	}
	for i, s := range g.Suffixes {
		w := v.Suffixes[i]
		if s.Kind != w.Kind {
			return false
		}
		lastWritten := i == len(g.Suffixes)-1 && g.Revision == ""
		if lastWritten && s.Number == "" {
			continue // =1_rc* leaves the suffix's number free
		}
		if compareInts(s.Number, w.Number) != 0 {
			return false
		}
	}
	if g.Revision == "" {
		return true
	}
	return len(v.Suffixes) == len(g.Suffixes) && compareInts(g.Revision, v.Revision) == 0
}

// BestMatch returns the highest version among candidates that a matches
// (see Matches), and false when none does. Of equal versions (1.0 and
// 1.0-r0) the first in candidates wins, so the result is deterministic for
// a given order.
func BestMatch(a Atom, candidates []Atom) (Atom, bool) {
	var best Atom
	found := false
	for _, c := range candidates {
		if !a.Matches(c) {
			continue
		}
		if !found || newer(c, best) {
			best, found = c, true
		}
	}
	return best, found
}

// newer reports whether a's version is higher than b's; a version beats
// no version.
func newer(a, b Atom) bool {
	switch {
	case a.Version == nil:
		return false
	case b.Version == nil:
		return true
	}
	return CompareVersions(*a.Version, *b.Version) > 0
}
