package portage

import (
	"cmp"
	"strings"
)

// CompareVersions orders two versions the way PMS (section 3.3, algorithms
// 3.1 to 3.7) does and returns -1, 0 or +1 as a is older than, equal to or
// newer than b. Equal is not identical: 1.0-r0, 1.0 and 1.00 are all equal,
// which is why a repository may hold only one of them.
//
// The order, most significant first:
//   - the first numeric component as an integer;
//   - each later numeric component: as an integer, unless either side has
//     a leading zero, when both are compared as strings after stripping
//     trailing zeros (so 1.01 < 1.1, 1.010 == 1.01, 1.1 > 1.09);
//   - more numeric components is newer (1.0.0 > 1.0, even 1.0.0_alpha);
//   - the letter, none oldest (1.0 < 1.0a);
//   - suffixes pairwise, _alpha < _beta < _pre < _rc < _p, then by number;
//     when one side runs out, the other is newer only if its next suffix is
//     _p (1.0_alpha < 1.0 < 1.0_p0);
//   - the revision, none counting as -r0.
func CompareVersions(a, b Version) int {
	if c := compareNumbers(a.Numbers, b.Numbers); c != 0 {
		return c
	}
	if c := strings.Compare(a.Letter, b.Letter); c != 0 {
		return c
	}
	if c := compareSuffixes(a.Suffixes, b.Suffixes); c != 0 {
		return c
	}
	return compareInts(a.Revision, b.Revision)
}

// compareNumbers is PMS algorithm 3.2 with 3.3 for non-first components.
func compareNumbers(a, b []string) int {
	if len(a) == 0 || len(b) == 0 { // only a zero Version; keep the order total
		return cmp.Compare(len(a), len(b))
	}
	if c := compareInts(a[0], b[0]); c != 0 {
		return c
	}
	for i := 1; i < len(a) && i < len(b); i++ {
		if c := compareComponent(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// compareComponent is PMS algorithm 3.3: a component with a leading zero
// is a decimal fraction, so it compares as a string once trailing zeros
// (which do not change a fraction) are gone.
func compareComponent(a, b string) int {
	if strings.HasPrefix(a, "0") || strings.HasPrefix(b, "0") {
		return strings.Compare(strings.TrimRight(a, "0"), strings.TrimRight(b, "0"))
	}
	return compareInts(a, b)
}

// compareSuffixes is PMS algorithms 3.5 and 3.6.
func compareSuffixes(a, b []Suffix) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].Kind != b[i].Kind {
			return cmp.Compare(int(a[i].Kind), int(b[i].Kind))
		}
		if c := compareInts(a[i].Number, b[i].Number); c != 0 {
			return c
		}
	}
	switch {
	case len(a) > len(b):
		if a[len(b)].Kind == P {
			return 1
		}
		return -1
	case len(a) < len(b):
		if b[len(a)].Kind == P {
			return -1
		}
		return 1
	}
	return 0
}

// compareInts compares two runs of decimal digits as unbounded unsigned
// integers; "" counts as 0. PMS forbids a fixed limit on a number's size,
// so the digits are never converted to a machine integer.
func compareInts(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}
