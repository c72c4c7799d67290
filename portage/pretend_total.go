package portage

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PretendTotal is emerge's summary of a plan:
//
//	Total: 7 packages (3 upgrades, 2 new, 1 in new slot, 1 reinstall, 2 binaries, 1 uninstall), Size of downloads: 12,345 KiB
//	Fetch Restriction: 1 package (1 unsatisfied)
//	Conflict: 1 block (1 unsatisfied)
//
// Packages counts what emerge will install (upgrades, downgrades, new, in
// new slot and reinstalls); Binaries says how many of them come from
// binary packages, and uninstalls and blocks are counted apart.
type PretendTotal struct {
	Line     int // of the Total: line
	Packages int

	Upgrades, Downgrades, New, NewSlot, Reinstalls int
	Binaries, Uninstalls, Interactive              int

	// DownloadSize as printed: "0 KiB", "12,345 KiB".
	DownloadSize string

	// From a "Fetch Restriction:" line: packages whose sources must be
	// fetched by hand, and how many of them are still missing.
	FetchRestricted, FetchUnsatisfied int
	// From a "Conflict:" line: blockers in the plan, and how many of them
	// emerge could not resolve.
	Blocks, BlocksUnsatisfied int
}

// totalDetails maps each word of the Total: parentheses, singular or
// plural as portage versions print them ("1 binaries" and "2 binaries"),
// to its counter.
var totalDetails = []struct {
	words []string
	field func(*PretendTotal) *int
}{
	{[]string{"upgrade", "upgrades"}, func(t *PretendTotal) *int { return &t.Upgrades }},
	{[]string{"downgrade", "downgrades"}, func(t *PretendTotal) *int { return &t.Downgrades }},
	{[]string{"new"}, func(t *PretendTotal) *int { return &t.New }},
	{[]string{"in new slot", "in new slots"}, func(t *PretendTotal) *int { return &t.NewSlot }},
	{[]string{"reinstall", "reinstalls"}, func(t *PretendTotal) *int { return &t.Reinstalls }},
	{[]string{"binary", "binaries"}, func(t *PretendTotal) *int { return &t.Binaries }},
	{[]string{"uninstall", "uninstalls"}, func(t *PretendTotal) *int { return &t.Uninstalls }},
	{[]string{"interactive"}, func(t *PretendTotal) *int { return &t.Interactive }},
}

// parseTotal reads the Total: line.
func (ps *pretendParser) parseTotal(line string) error {
	if ps.out.Total != nil {
		return fmt.Errorf("a second Total: line (the first is line %d)", ps.out.Total.Line)
	}
	t := &PretendTotal{Line: ps.line}
	head, size, ok := strings.Cut(line, ", Size of downloads: ")
	if !ok {
		return fmt.Errorf("%q has no \", Size of downloads:\"", line)
	}
	t.DownloadSize = size
	head = strings.TrimPrefix(head, "Total: ")
	head, details, hasDetails := strings.Cut(head, " (")
	n, err := countOf(head, "package", "packages")
	if err != nil {
		return fmt.Errorf("%q: %w", line, err)
	}
	t.Packages = n
	if hasDetails {
		if err := t.parseDetails(strings.TrimSuffix(details, ")")); err != nil {
			return fmt.Errorf("%q: %w", line, err)
		}
	}
	ps.out.Total = t
	return nil
}

func (t *PretendTotal) parseDetails(s string) error {
	for _, d := range strings.Split(s, ", ") {
		if err := t.parseDetail(d); err != nil {
			return err
		}
	}
	return nil
}

func (t *PretendTotal) parseDetail(d string) error {
	num, word, _ := strings.Cut(d, " ")
	for _, td := range totalDetails {
		for _, w := range td.words {
			if word == w {
				n, err := strconv.Atoi(num)
				if err != nil || n < 0 {
					return fmt.Errorf("count %q is not a number", num)
				}
				*td.field(t) += n
				return nil
			}
		}
	}
	return fmt.Errorf("unknown count %q", d)
}

// parseTotalDetail reads the "Fetch Restriction:" and "Conflict:" lines
// that follow Total:.
func (ps *pretendParser) parseTotalDetail(line string) error {
	t := ps.out.Total
	if t == nil {
		return fmt.Errorf("%q before any Total: line", line)
	}
	name, rest, _ := strings.Cut(line, ": ")
	count, unsatisfied, _ := strings.Cut(rest, " (")
	var n, missing int
	var err error
	if name == "Conflict" {
		n, err = countOf(count, "block", "blocks")
	} else {
		n, err = countOf(count, "package", "packages")
	}
	if err != nil {
		return fmt.Errorf("%q: %w", line, err)
	}
	if unsatisfied = strings.TrimSuffix(unsatisfied, ")"); unsatisfied != "" && unsatisfied != "all satisfied" {
		if missing, err = countOf(unsatisfied, "unsatisfied"); err != nil {
			return fmt.Errorf("%q: %w", line, err)
		}
	}
	if name == "Conflict" {
		t.Blocks, t.BlocksUnsatisfied = n, missing
	} else {
		t.FetchRestricted, t.FetchUnsatisfied = n, missing
	}
	return nil
}

// countOf reads "N word" where word is one of words.
func countOf(s string, words ...string) (int, error) {
	num, word, _ := strings.Cut(s, " ")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("count %q is not a number", num)
	}
	for _, w := range words {
		if word == w {
			return n, nil
		}
	}
	return 0, errors.New("want " + strings.Join(words, " or ") + " after the count, got " + strconv.Quote(word))
}
