package portage

import (
	"fmt"
	"strings"
)

// slotConflictHeader begins emerge's slot-conflict report.
const slotConflictHeader = "!!! Multiple package instances within a single package slot"

// SlotConflictError is emerge's report that two versions of one package
// must share a slot, which nothing can build:
//
//	!!! Multiple package instances within a single package slot have been pulled
//	!!! into the dependency graph, resulting in a slot conflict:
//
//	media-libs/libpng:0
//
//	  (media-libs/libpng-1.5.17-r1::gentoo, installed) pulled in by
//	    ...
//	  (media-libs/libpng-1.6.8::gentoo, ebuild scheduled for merge) pulled in by
//	    ...
//
// It matches ErrSlotConflict. This is the report a stale queue produced on
// every drone in the field; the farm must show it, not queue around it.
type SlotConflictError struct {
	Line      int // of the "!!! Multiple package instances" line
	Conflicts []SlotConflict
}

// SlotConflict is one slot and the packages pulled into it.
type SlotConflict struct {
	Slot     string   // as printed: "media-libs/libpng:0"
	Packages []string // as printed: "media-libs/libpng-1.6.8::gentoo"
}

func (e *SlotConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "emerge --pretend output, line %d: slot conflict", e.Line)
	if len(e.Conflicts) == 0 {
		b.WriteString(" (no slot listed)")
	}
	for i, c := range e.Conflicts {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " in %s between %s", c.Slot, strings.Join(c.Packages, " and "))
	}
	return b.String()
}

func (e *SlotConflictError) Unwrap() error { return ErrSlotConflict }

// addLine reads one line of the report after its header: a slot
// ("media-libs/libpng:0" alone at the start of a line) or a package of the
// last slot ("  (media-libs/libpng-1.6.8::gentoo, ebuild scheduled for
// merge) pulled in by"). Everything else in the report (the atoms that
// pulled each package in, advice) is left alone.
func (e *SlotConflictError) addLine(line string) {
	if line[0] != ' ' {
		if a, err := ParseAtom(line); err == nil && a.Slot != "" && a.Version == nil {
			e.Conflicts = append(e.Conflicts, SlotConflict{Slot: line})
		}
		return
	}
	s := strings.TrimLeft(line, " ")
	if len(e.Conflicts) == 0 || !strings.HasPrefix(s, "(") || !strings.Contains(s, "pulled in by") {
		return
	}
	end := strings.IndexAny(s, ",)")
	if end < 0 {
		return
	}
	if _, err := ParsePackage(s[1:end]); err != nil {
		return
	}
	c := &e.Conflicts[len(e.Conflicts)-1]
	c.Packages = append(c.Packages, s[1:end])
}
