package portage

import (
	"errors"
	"fmt"
	"strings"
)

// ErrDepend: text that is not a valid dependency specification. When the
// cause is a bad atom the error matches ErrBadAtom as well.
var ErrDepend = errors.New("portage: bad dependency specification")

// ParseDepend parses a dependency specification (PMS 8.2) as the DEPEND,
// BDEPEND, RDEPEND, PDEPEND and IDEPEND keys of an md5-cache entry hold it:
// whitespace-separated atoms (ParseAtom, so blockers, slot operators and
// USE dependencies included), "( ... )" all-of groups, "|| ( ... )" any-of
// groups and "flag? ( ... )" / "!flag? ( ... )" USE-conditional groups,
// nested freely. Parentheses are tokens of their own, as PMS requires.
//
// Errors match ErrDepend and name the byte offset and the token, for
// example:
//
//	parse dependencies: byte 12: "||" must be followed by "(", got "dev-libs/a"
func ParseDepend(s string) (Depend, error) {
	d, err := parseDepend(s)
	if err != nil {
		return Depend{}, &kindError{ErrDepend, fmt.Errorf("parse dependencies: %w", err)}
	}
	return d, nil
}

// depFrame is a group being read: its node and where it opened.
type depFrame struct {
	node Depend
	off  int // byte offset of the token that opened the group
}

// depOpener is an "||" or "flag?" token that needs a "(" next.
type depOpener struct {
	node Depend // the group it will open, without children yet
	tok  string
	off  int
}

func parseDepend(s string) (Depend, error) {
	stack := []depFrame{{node: Depend{Kind: DepAll}}}
	var pending *depOpener
	for off, tok := range depTokens(s) {
		if pending != nil && tok != "(" {
			return Depend{}, posError(pending.off, "%q must be followed by \"(\", got %q", pending.tok, tok)
		}
		switch {
		case tok == "(":
			frame := depFrame{node: Depend{Kind: DepAll}, off: off}
			if pending != nil {
				frame = depFrame{node: pending.node, off: pending.off}
				pending = nil
			}
			stack = append(stack, frame)
		case tok == ")":
			if len(stack) == 1 {
				return Depend{}, posError(off, "\")\" without a matching \"(\"")
			}
			top := stack[len(stack)-1].node
			stack = stack[:len(stack)-1]
			parent := &stack[len(stack)-1].node
			parent.Children = append(parent.Children, top)
		default:
			child, opener, err := depToken(tok, off)
			if err != nil {
				return Depend{}, err
			}
			if opener {
				pending = &depOpener{node: child, tok: tok, off: off}
				continue
			}
			parent := &stack[len(stack)-1].node
			parent.Children = append(parent.Children, child)
		}
	}
	if pending != nil {
		return Depend{}, posError(pending.off, "%q must be followed by \"(\", got the end", pending.tok)
	}
	if len(stack) > 1 {
		return Depend{}, posError(stack[len(stack)-1].off, "group is never closed (want \")\")")
	}
	return stack[0].node, nil
}

// depToken reads a token other than a parenthesis: "||" or "flag?" (opener
// is true: a group follows) or an atom.
func depToken(tok string, off int) (d Depend, opener bool, err error) {
	if tok == "||" {
		return Depend{Kind: DepAnyOf}, true, nil
	}
	if flag, ok := strings.CutSuffix(tok, "?"); ok {
		d = Depend{Kind: DepUseCond, Flag: flag}
		d.Flag, d.Negate = strings.CutPrefix(flag, "!")
		if err := useFlagRule.check(d.Flag); err != nil {
			return Depend{}, false, posError(off, "USE conditional %q: %w", tok, err)
		}
		return d, true, nil
	}
	a, err := ParseAtom(tok)
	if err != nil {
		return Depend{}, false, posError(off, "%w", err)
	}
	return Depend{Kind: DepAtom, Atom: a}, false, nil
}

// posError is an error at byte offset off of the specification.
func posError(off int, format string, args ...any) error {
	return fmt.Errorf("byte %d: %w", off, fmt.Errorf(format, args...))
}

// depTokens yields the whitespace-separated tokens of s with their byte
// offsets. Whitespace is what PMS allows between tokens: space, tab and
// newline (and carriage return, which editors leave behind).
func depTokens(s string) func(yield func(int, string) bool) {
	return func(yield func(int, string) bool) {
		start := -1
		for i := 0; i <= len(s); i++ {
			if i < len(s) && !isDepSpace(s[i]) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				if !yield(start, s[start:i]) {
					return
				}
				start = -1
			}
		}
	}
}

func isDepSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
