package portage

import (
	"errors"
	"fmt"
	"strings"
)

// pretendFlagLetters are the letters each kind may show in its brackets
// (portage's PkgAttrDisplay, and "b"/"B" for blockers).
var pretendFlagLetters = map[PretendKind]string{
	PretendEbuild:    "INrSRFfUD#*~",
	PretendBinary:    "INrSRFfUD#*~",
	PretendUninstall: "",
	PretendNomerge:   "",
	PretendBlocks:    "bB",
}

// parseEntry reads one line that begins with "[".
func parseEntry(line string) (PretendEntry, error) {
	end := strings.IndexByte(line, ']')
	if end < 0 {
		return PretendEntry{}, fmt.Errorf("%q has no closing \"]\"", line)
	}
	var e PretendEntry
	if err := e.parseBrackets(line[1:end]); err != nil {
		return PretendEntry{}, err
	}
	rest := strings.TrimLeft(line[end+1:], " ")
	if e.Kind == PretendBlocks {
		return e, e.parseBlocker(rest)
	}
	return e, e.parsePackageLine(rest)
}

// parseBrackets reads "ebuild   R   ~" into Kind and Flags.
func (e *PretendEntry) parseBrackets(s string) error {
	kind, flags, _ := strings.Cut(strings.TrimLeft(s, " "), " ")
	e.Kind = PretendKind(kind)
	allowed, ok := pretendFlagLetters[e.Kind]
	if !ok {
		return fmt.Errorf("unknown entry kind %q in [%s] (want ebuild, binary, uninstall, blocks or nomerge)", kind, s)
	}
	for i := 0; i < len(flags); i++ {
		if c := flags[i]; c != ' ' && strings.IndexByte(allowed, c) < 0 {
			return fmt.Errorf("unknown flag %q in [%s]", c, s)
		}
	}
	e.Flags = strings.Join(strings.Fields(flags), " ")
	if e.Kind == PretendBlocks && len(e.Flags) != 1 {
		return fmt.Errorf("[%s] wants one flag, b or B", s)
	}
	return nil
}

// badDigest is what emerge prints where the size would be when it cannot
// compute one.
const badDigest = "empty/missing/bad digest"

// parsePackageLine reads what follows the brackets of a package entry:
//
//	cat/name-ver[-build][:slot[/sub]][::repo] [[old, ...]] [VAR="..."]... [N KiB] [to ROOT]
func (e *PretendEntry) parsePackageLine(s string) error {
	pkg, rest := nextField(s)
	if pkg == "" {
		return fmt.Errorf("[%s] line names no package", e.Kind)
	}
	p, err := ParsePackage(pkg)
	if err != nil {
		return err
	}
	e.Package = p
	if strings.HasPrefix(rest, "[") && !strings.HasPrefix(rest, "["+badDigest+"]") {
		var old string
		if old, rest, err = cutBracket(rest); err != nil {
			return err
		}
		e.Replaces = old
	}
	for rest != "" {
		if rest, err = e.parseTail(rest); err != nil {
			return fmt.Errorf("%s: %w", pkg, err)
		}
	}
	return nil
}

// parseTail reads one item after the package and replaced versions and
// returns what follows it.
func (e *PretendEntry) parseTail(s string) (string, error) {
	tok, rest := nextField(s)
	switch {
	case isVarStart(tok):
		return e.parseVar(s)
	case tok == "to":
		root, after := nextField(rest)
		if root == "" {
			return "", errors.New(`"to" without a root`)
		}
		e.Root = root
		return after, nil
	case isSizeNumber(tok):
		unit, after := nextField(rest)
		if !isSizeUnit(unit) {
			return "", fmt.Errorf("size %q without a unit (want KiB)", tok)
		}
		e.Size = tok + " " + unit
		return after, nil
	case strings.HasPrefix(tok, "["):
		inner, after, err := cutBracket(s)
		if err != nil {
			return "", err
		}
		if inner == badDigest {
			e.Size = "[" + inner + "]" // shown where the size would be
		} else if !isRepoIndex(inner) {
			return "", fmt.Errorf("unexpected [%s]", inner)
		}
		return after, nil
	}
	return "", fmt.Errorf("unexpected %q", tok)
}

// parseVar reads VAR="flag flag ..." from the front of s.
func (e *PretendEntry) parseVar(s string) (string, error) {
	eq := strings.IndexByte(s, '=')
	name := s[:eq]
	body := s[eq+2:]
	end := strings.IndexByte(body, '"')
	if end < 0 {
		return "", fmt.Errorf("%s=\" has no closing quote", name)
	}
	if e.Vars == nil {
		e.Vars = make(map[string][]string, 2)
	}
	if _, dup := e.Vars[name]; dup {
		return "", fmt.Errorf("%s given twice", name)
	}
	e.Vars[name] = strings.Fields(body[:end])
	return strings.TrimLeft(body[end+1:], " "), nil
}

// parseBlocker reads what follows [blocks b]:
//
//	dev-libs/eventlog ("dev-libs/eventlog" is blocking app-admin/syslog-ng-3.13.2)
//	<sys-apps/foo-2 (is hard blocking sys-apps/bar-1, sys-apps/baz-2)
func (e *PretendEntry) parseBlocker(s string) error {
	atom, rest := nextField(s)
	if atom == "" {
		return errors.New("[blocks] line names no atom")
	}
	if _, err := ParseAtom(atom); err != nil {
		return err
	}
	e.Blocker = atom
	if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return fmt.Errorf("blocker %s: want (is blocking PACKAGES) after it, got %q", atom, rest)
	}
	desc := rest[1 : len(rest)-1]
	if strings.HasPrefix(desc, `"`) {
		if i := strings.Index(desc[1:], `" `); i >= 0 {
			desc = desc[i+3:]
		}
	}
	_, list, ok := strings.Cut(desc, "blocking ")
	if !ok || !strings.HasPrefix(desc, "is ") {
		return fmt.Errorf("blocker %s: want (is blocking PACKAGES) after it, got %q", atom, rest)
	}
	e.Blocking = strings.Split(list, ", ")
	return nil
}

// nextField returns the first space-separated field of s and the rest,
// with leading spaces trimmed from both.
func nextField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " ")
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " ")
}

// cutBracket takes "[...]" off the front of s, which begins with "[".
func cutBracket(s string) (inner, rest string, err error) {
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", "", fmt.Errorf("%q has no closing \"]\"", s)
	}
	return s[1:end], strings.TrimLeft(s[end+1:], " "), nil
}

// isVarStart reports whether tok begins VAR=" with an upper-case name.
func isVarStart(tok string) bool {
	eq := strings.IndexByte(tok, '=')
	if eq <= 0 || eq+1 >= len(tok) || tok[eq+1] != '"' {
		return false
	}
	for i := 0; i < eq; i++ {
		c := tok[i]
		if !(c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isSizeNumber reports whether tok is a size as portage's localized_size
// prints it: digits grouped by the locale's separator.
func isSizeNumber(tok string) bool {
	if tok == "" || tok[0] < '0' || tok[0] > '9' {
		return false
	}
	for _, r := range tok {
		if !(r >= '0' && r <= '9' || r == ',' || r == '.' || r == '\'' || r == '\u00a0' || r == '\u202f') {
			return false
		}
	}
	return true
}

func isSizeUnit(s string) bool { return s == "KiB" || s == "MiB" || s == "GiB" || s == "kB" }

// isRepoIndex reports whether s is a --quiet-repo-display index: "0",
// "?", "0=>1".
func isRepoIndex(s string) bool {
	from, to, arrow := strings.Cut(s, "=>")
	ok := func(x string) bool { return x == "?" || x != "" && allDigits(x) }
	return ok(from) && (!arrow || ok(to))
}
