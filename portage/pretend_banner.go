package portage

import (
	"fmt"
	"strings"
)

// ErrEmergeFailed: emerge --pretend output holds one of portage's banners
// that mean it made no plan to merge (a slot conflict, masked packages, an
// unmet REQUIRED_USE …). The error is a *BannerError naming which.
var ErrEmergeFailed = fmt.Errorf("%w: emerge could not make a plan", ErrPretend)

// BannerError is a banner FindBanner recognised.
type BannerError struct {
	Name   string // what stopped emerge: "slot conflict", "masked packages" …
	Phrase string // the banner's words as portage prints them
}

func (e *BannerError) Error() string {
	return fmt.Sprintf("emerge could not make a plan: %s (it said %q)", e.Name, e.Phrase)
}

// Unwrap gives ErrSlotConflict for a slot conflict as well, like a
// *SlotConflictError.
func (e *BannerError) Unwrap() []error {
	if e.Name == bannerSlotConflict {
		return []error{ErrEmergeFailed, ErrSlotConflict}
	}
	return []error{ErrEmergeFailed}
}

const bannerSlotConflict = "slot conflict"

// banners are portage's failure messages, in the words of
// lib/_emerge/depgraph.py (and resolver/output.py), each a phrase that
// appears in no successful plan.
var banners = []struct{ name, phrase string }{
	{bannerSlotConflict, "Multiple package instances within a single package slot have been pulled into the dependency graph"},
	{bannerSlotConflict, "Multiple versions within a single package slot have been pulled into the dependency graph"},
	{"masked packages", "All ebuilds that could satisfy"},
	{"masked packages", "One of the following masked packages is required to complete your request"},
	{"masked packages", "The following mask changes are necessary to proceed"},
	{"masked packages", "The following keyword changes are necessary to proceed"},
	{"no ebuilds", "there are no ebuilds to satisfy"},
	{"no ebuilds", "there are no ebuilds built with USE flags to satisfy"},
	{"no ebuilds", "there are no binary packages to satisfy"},
	{"unmet REQUIRED_USE", "The following REQUIRED_USE flag constraints are unsatisfied"},
	{"unmet REQUIRED_USE", "has unmet requirements"},
	{"blockers", "The above package list contains packages which cannot be installed at the same time on the same system"},
	{"blockers", "For more information about Blocked Packages, please refer to the following section"},
	{"circular dependencies", "Error: circular dependencies"},
	{"unresolved dependencies", "Problem resolving dependencies for"},
	{"ambiguous package name", "Please specify one of the following fully-qualified ebuild names instead"},
}

// minCut is how much of a banner (normalised) a text cut short must still
// hold for the banner to count: enough words that no plan says them.
const minCut = 20

// FindBanner reports the first of portage's failure banners in text, and
// the 1-based line it begins on. It looks through the whole text, not line
// by line, ignoring case, white space, line breaks, colour codes and the
// "!!!" and " * " markers emerge puts before each line, so a banner
// reflowed or wrapped at any column is still found; and a text that ends
// partway through a banner (output cut short) counts when at least minCut
// letters of it are there.
func FindBanner(text string) (b *BannerError, line int, ok bool) {
	norm, lines := normaliseLines(stripANSI(text))
	for _, bn := range banners {
		p, _ := normaliseLines(bn.phrase)
		at := strings.Index(norm, p)
		if at < 0 {
			at = cutShort(norm, p)
		}
		if at >= 0 {
			return &BannerError{Name: bn.name, Phrase: bn.phrase}, lines[at], true
		}
	}
	return nil, 0, false
}

// cutShort returns where text ends with at least minCut bytes of the start
// of phrase, or -1.
func cutShort(text, phrase string) int {
	for n := len(phrase) - 1; n >= minCut; n-- {
		if strings.HasSuffix(text, phrase[:n]) {
			return len(text) - n
		}
	}
	return -1
}

// normaliseLines lowercases s and drops white space and the ! and *
// markers, so line breaks and emerge's line prefixes do not matter. lines
// gives the 1-based line of s each byte of the result came from.
func normaliseLines(s string) (string, []int) {
	var b strings.Builder
	b.Grow(len(s))
	lines := make([]int, 0, len(s))
	line := 1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\n':
			line++
			continue
		case ' ', '\t', '\r', '\v', '\f', '!', '*':
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
		lines = append(lines, line)
	}
	return b.String(), lines
}
