package portage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors of ParsePretend, for errors.Is.
var (
	// ErrPretend: emerge --pretend output that cannot be read as a plan: an
	// entry line that does not parse, a bracketed line of an unknown kind,
	// a Total: line that does not add up, or output in which emerge said it
	// could not make a plan. The error is a *PretendError naming the line.
	ErrPretend = errors.New("portage: bad emerge --pretend output")

	// ErrSlotConflict: emerge reported "Multiple package instances within
	// a single package slot"; the plan cannot be built as is. The error is
	// a *SlotConflictError naming the slots and packages.
	ErrSlotConflict = errors.New("portage: slot conflict")
)

// PretendKind is the first word inside an entry's brackets.
type PretendKind string

// The entry kinds emerge prints.
const (
	PretendEbuild    PretendKind = "ebuild"    // to build from source: the farm's queue
	PretendBinary    PretendKind = "binary"    // to install from a binary package: already built
	PretendUninstall PretendKind = "uninstall" // to remove (to resolve a blocker)
	PretendBlocks    PretendKind = "blocks"    // a blocker between packages; no package
	PretendNomerge   PretendKind = "nomerge"   // installed and kept, shown by --tree
)

// Pretend is the plan in one emerge --pretend run.
type Pretend struct {
	// Entries are the bracketed lines in the order printed, which is the
	// order emerge would merge them in.
	Entries []PretendEntry
	// Total is the "Total: N packages (...)" summary, nil when the output
	// has none (emerge --quiet, or output cut short).
	Total *PretendTotal
	// Warnings are the lines in which emerge said something was wrong
	// ("!!! ..." and "emerge: ..."), kept for the operator to see.
	Warnings []PretendWarning
	// NothingToDo is set when emerge said it has nothing to merge
	// ("Total: 0 packages", "Nothing to merge; quitting.", "No outdated
	// packages …"): only then is a plan without entries an empty world
	// rather than output that lost its plan.
	NothingToDo bool
}

// PretendWarning is a "!!!" or "emerge:" line, with its 1-based number.
type PretendWarning struct {
	Line int
	Text string
}

// PretendEntry is one bracketed line, such as
//
//	[binary     U  ] dev-libs/glib-2.80.5-r1-4:2::gentoo [2.78.6:2::gentoo] USE="dbus -debug" ABI_X86="(64) -32" 0 KiB
type PretendEntry struct {
	// Line is the 1-based line number in the input.
	Line int
	Kind PretendKind
	// Flags are the letters in the brackets after the kind, runs of spaces
	// made one: "N", "R ~", "NS", "r U", "U", "b". The letters are
	// emerge's: N new, S new slot, R replace (reinstall), r forced
	// reinstall, U upgrade, D downgrade, F/f fetch restricted
	// (un)satisfied, I interactive, # * ~ masked (package.mask, missing
	// keyword, testing keyword); for blocks, b satisfied and B unsatisfied.
	Flags string
	// Package is the concrete package (from ParsePackage) of an ebuild,
	// binary, uninstall or nomerge line; zero for a blocks line.
	Package Atom
	// Blocker is the blocking atom of a blocks line, as printed, and
	// Blocking the packages it blocks.
	Blocker  string
	Blocking []string
	// Replaces is the text of the brackets after the package, naming the
	// installed versions it replaces: "2.78.6:2::gentoo", "3.7.3".
	Replaces string
	// Vars are the USE="..." and USE_EXPAND strings (ABI_X86,
	// PYTHON_TARGETS, ...) split into flags as printed, markers kept:
	// "-debug", "(mime)", "introspection%*", "{-test}". Enabled reads them.
	Vars map[string][]string
	// Size is the download size as printed ("0 KiB", "12,345 KiB"), or
	// "" when not shown.
	Size string
	// Root is the target root of a "to /mnt/gentoo/" suffix, if any.
	Root string
}

// HasFlag reports whether letter c is among the entry's flags.
func (e PretendEntry) HasFlag(c byte) bool { return strings.IndexByte(e.Flags, c) >= 0 }

// Enabled returns the flags of variable name (USE, ABI_X86, ...) that are
// on, without emerge's markers: "(mime)" forced on gives "mime",
// "introspection%*" gives "introspection", and "-debug", "(-selinux)" and
// "{-test}" are off and left out. So a package built for 32-bit x86 has
// "32" in Enabled("ABI_X86").
func (e PretendEntry) Enabled(name string) []string {
	var on []string
	for _, f := range e.Vars[name] {
		f = strings.Trim(f, "(){}")
		f = strings.TrimRight(f, "%*")
		if f != "" && f[0] != '-' {
			on = append(on, f)
		}
	}
	return on
}

// Builds returns the ebuild entries in merge order: what the farm builds.
func (p *Pretend) Builds() []PretendEntry { return p.ofKind(PretendEbuild) }

// Binaries returns the binary entries: packages already built somewhere.
func (p *Pretend) Binaries() []PretendEntry { return p.ofKind(PretendBinary) }

func (p *Pretend) ofKind(k PretendKind) []PretendEntry {
	var out []PretendEntry
	for _, e := range p.Entries {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// PretendError is an ErrPretend at one line of the input.
type PretendError struct {
	Line int
	Err  error
}

func (e *PretendError) Error() string {
	return fmt.Sprintf("emerge --pretend output, line %d: %v", e.Line, e.Err)
}

func (e *PretendError) Unwrap() []error { return []error{ErrPretend, e.Err} }

// ParsePretend reads the output of emerge --pretend (with or without
// --verbose, --tree, --quiet; colour codes are ignored) and returns its
// plan.
//
// Only lines that begin with "[" are entries, and each must parse: an
// unknown kind, an unknown flag letter or a package ParsePackage rejects is
// a *PretendError matching ErrPretend (and ErrBadAtom for a bad package).
// "Total:" and the "Fetch Restriction:" and "Conflict:" lines after it fill
// Total. Every other line (blank lines, "These are the packages that would
// be merged", "Calculating dependencies... done!", "Dependency resolution
// took", " * " messages, news) is skipped, with three exceptions, each of
// which means emerge did not make a plan the farm may build:
//
//   - "!!! Multiple package instances within a single package slot" starts
//     a slot-conflict report: the result is a *SlotConflictError
//     (ErrSlotConflict) with every slot and package it lists, even when a
//     merge list was printed before it.
//   - "The following ... changes are necessary to proceed" (autounmask):
//     the plan needs configuration changes first; ErrPretend.
//   - Other "!!!" and "emerge:" lines are warnings, kept in Warnings. But
//     output with warnings and no entries at all is ErrPretend naming the
//     first warning: that is emerge failing ("!!! All ebuilds that could
//     satisfy ... have been masked"), never an empty plan.
//
// The whole output is read into memory first (a 20,000-package plan is a
// few megabytes), and every string in the result shares that one copy.
func ParsePretend(r io.Reader) (*Pretend, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &PretendError{Line: bytes.Count(data, []byte("\n")) + 1, Err: fmt.Errorf("read: %w", err)}
	}
	// One string for the whole output: every string in the result is a
	// slice of it, so a line costs no copy, and Entries is sized once.
	text := string(data)
	if strings.TrimSpace(stripANSI(text)) == "" {
		return nil, &PretendError{Line: 1, Err: errors.New("no output at all (did emerge run? " +
			"Without --quiet, emerge says so when it has nothing to merge)")}
	}
	ps := pretendParser{}
	ps.out.Entries = make([]PretendEntry, 0, strings.Count(text, "\n[")+1)
	for text != "" {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		ps.line++
		if err := ps.parseLine(stripANSI(line)); err != nil {
			return nil, bannerFirst(string(data), &PretendError{Line: ps.line, Err: err})
		}
	}
	p, err := ps.finish()
	if err != nil {
		return nil, bannerFirst(string(data), err)
	}
	if b := findBanner(string(data)); b != nil {
		return nil, b
	}
	return p, nil
}

// bannerFirst returns the banner in text when there is one, since it says
// why the output is not a plan better than the first line that fails to
// parse; a *SlotConflictError, which names the slots, is kept.
func bannerFirst(text string, err error) error {
	if _, ok := err.(*SlotConflictError); ok {
		return err
	}
	if b := findBanner(text); b != nil {
		return b
	}
	return err
}

// findBanner returns the banner in text as a *PretendError at its line, or
// nil.
func findBanner(text string) error {
	if b, line, ok := FindBanner(text); ok {
		return &PretendError{Line: line, Err: b}
	}
	return nil
}

// pretendParser holds the state of one ParsePretend.
type pretendParser struct {
	out        Pretend
	line       int
	conflict   *SlotConflictError // set once a slot-conflict report starts
	autounmask int                // line of "changes are necessary to proceed", or 0
}

func (ps *pretendParser) parseLine(line string) error {
	line = strings.TrimRight(line, " \t\r")
	switch {
	case strings.TrimLeft(line, " \t") == "":
		return nil
	case line[0] == '[':
		e, err := parseEntry(line)
		if err != nil {
			return err
		}
		e.Line = ps.line
		ps.out.Entries = append(ps.out.Entries, e)
		return nil
	case strings.HasPrefix(line, "Total:"):
		return ps.parseTotal(line)
	case strings.HasPrefix(line, "Fetch Restriction:"), strings.HasPrefix(line, "Conflict:"):
		return ps.parseTotalDetail(line)
	case strings.HasPrefix(line, "!!!"), strings.HasPrefix(line, "emerge: "):
		ps.warn(line)
		return nil
	case strings.HasPrefix(line, "Nothing to merge"), strings.HasPrefix(line, "No outdated packages"):
		ps.out.NothingToDo = true
		return nil
	case strings.HasPrefix(line, "The following ") && strings.Contains(line, "changes are necessary to proceed"):
		if ps.autounmask == 0 {
			ps.autounmask = ps.line
		}
		return nil
	}
	if ps.conflict != nil {
		ps.conflict.addLine(line)
	}
	return nil
}

func (ps *pretendParser) warn(text string) {
	ps.out.Warnings = append(ps.out.Warnings, PretendWarning{Line: ps.line, Text: text})
	if strings.HasPrefix(text, slotConflictHeader) && ps.conflict == nil {
		ps.conflict = &SlotConflictError{Line: ps.line}
	}
}

// finish decides, once every line is read, whether the output is a plan.
func (ps *pretendParser) finish() (*Pretend, error) {
	switch {
	case ps.conflict != nil:
		return nil, ps.conflict
	case ps.autounmask != 0:
		return nil, &PretendError{Line: ps.autounmask,
			Err: errors.New("emerge needs configuration changes before it can merge this plan (autounmask)")}
	case len(ps.out.Entries) == 0 && len(ps.out.Warnings) > 0:
		w := ps.out.Warnings[0]
		return nil, &PretendError{Line: w.Line, Err: fmt.Errorf("no packages, and emerge said %q", w.Text)}
	}
	if t := ps.out.Total; t != nil && t.Packages == 0 {
		ps.out.NothingToDo = true
	}
	return &ps.out, nil
}

// stripANSI removes terminal colour and title escapes (ESC [ ... letter,
// ESC ] ... BEL), which emerge prints when it believes it writes to a
// terminal. A line without ESC is returned as is, without copying.
func stripANSI(s string) string {
	i := strings.IndexByte(s, 0x1b)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		s = skipEscape(s[i:])
		i = strings.IndexByte(s, 0x1b)
	}
	b.WriteString(s)
	return b.String()
}

// skipEscape returns s after the escape sequence it begins with.
func skipEscape(s string) string {
	if len(s) < 2 {
		return ""
	}
	switch s[1] {
	case '[': // CSI: parameters, then one final byte in @-~
		for j := 2; j < len(s); j++ {
			switch {
			case s[j] >= 0x40 && s[j] <= 0x7e:
				return s[j+1:]
			case s[j] < 0x20 || s[j] > 0x7e: // not a sequence after all (cut short): keep the rest
				return s[j:]
			}
		}
		return ""
	case ']': // OSC: up to BEL or ESC \
		for j := 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return s[j+1:]
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return s[j+2:]
			}
			if s[j] == '\n' { // a title is one line: cut short, keep the rest
				return s[j:]
			}
		}
		return ""
	}
	return s[2:]
}
