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
	var p depParser
	d, err := p.parse(s)
	if err != nil {
		return Depend{}, dependError(err)
	}
	return d, nil
}

func dependError(err error) error {
	return &kindError{ErrDepend, fmt.Errorf("parse dependencies: %w", err)}
}

// depFrame is a group being read.
type depFrame struct {
	node  Depend // without its children, which are items[start:]
	start int
	off   int // byte offset of the token that opened the group
}

// depOpener is an "||" or "flag?" token that needs a "(" next.
type depOpener struct {
	node Depend // the group it will open, without children yet
	tok  string
	off  int
}

// depParser parses dependency specifications. The members of the open
// groups wait in one scratch slice, and each group gets an exactly sized
// copy when it closes: appending to the groups' own Children was most of
// the memory a loader's parse of a whole tree allocated. A loader reuses
// one depParser, scratch space included.
type depParser struct {
	atoms map[string]*Atom // atoms parsed before, by text; nil for none
	items []Depend
	stack []depFrame
}

// parse parses s, taking atoms from p.atoms and adding new ones to it
// when it is not nil.
func (p *depParser) parse(s string) (Depend, error) {
	items, stack, atoms := p.items[:0], p.stack[:0], p.atoms
	defer func() { p.items, p.stack = items[:0], stack[:0] }()
	var pending *depOpener
	for off, tok := range depTokens(s) {
		if pending != nil && tok != "(" {
			return Depend{}, posError(pending.off, "%q must be followed by \"(\", got %q", pending.tok, tok)
		}
		switch {
		case tok == "(":
			frame := depFrame{node: Depend{Kind: DepAll}, start: len(items), off: off}
			if pending != nil {
				frame.node, frame.off, pending = pending.node, pending.off, nil
			}
			stack = append(stack, frame)
		case tok == ")":
			if len(stack) == 0 {
				return Depend{}, posError(off, "\")\" without a matching \"(\"")
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			top.node.Children = cloneDepends(items[top.start:])
			items = append(items[:top.start], top.node)
		default:
			child, opener, err := depToken(tok, off, atoms)
			if err != nil {
				return Depend{}, err
			}
			if opener {
				pending = &depOpener{node: child, tok: tok, off: off}
				continue
			}
			items = append(items, child)
		}
	}
	if pending != nil {
		return Depend{}, posError(pending.off, "%q must be followed by \"(\", got the end", pending.tok)
	}
	if len(stack) > 0 {
		return Depend{}, posError(stack[len(stack)-1].off, "group is never closed (want \")\")")
	}
	return Depend{Kind: DepAll, Children: cloneDepends(items)}, nil
}

// cloneDepends copies ds into a slice of its own, nil when empty.
func cloneDepends(ds []Depend) []Depend {
	if len(ds) == 0 {
		return nil
	}
	return append(make([]Depend, 0, len(ds)), ds...)
}

// depToken reads a token other than a parenthesis: "||" or "flag?" (opener
// is true: a group follows) or an atom.
func depToken(tok string, off int, atoms map[string]*Atom) (d Depend, opener bool, err error) {
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
	if a, ok := atoms[tok]; ok {
		return Depend{Kind: DepAtom, Atom: a}, false, nil
	}
	a, err := ParseAtom(tok)
	if err != nil {
		return Depend{}, false, posError(off, "%w", err)
	}
	if atoms != nil {
		atoms[tok] = &a
	}
	return Depend{Kind: DepAtom, Atom: &a}, false, nil
}

// depCache parses dependency specifications once each, and atoms once
// each across them, for loaders: most ebuilds repeat DEPEND in RDEPEND,
// eclasses write the same BDEPEND into thousands of them, and a tree of
// 20,000 ebuilds holds 285,000 atoms but only about 50,000 distinct ones.
// Results share memory, so they must be treated as read-only. A nil
// *depCache parses every time.
type depCache struct {
	specs  map[string]depParse
	parser depParser
}

// depParse is one cached ParseDepend result.
type depParse struct {
	d   Depend
	err error
}

func newDepCache() *depCache {
	return &depCache{specs: map[string]depParse{}, parser: depParser{atoms: map[string]*Atom{}}}
}

// parse is ParseDepend through the cache.
func (c *depCache) parse(s string) (Depend, error) {
	if c == nil {
		return ParseDepend(s)
	}
	p, ok := c.specs[s]
	if !ok {
		p.d, p.err = c.parser.parse(s)
		if p.err != nil {
			p.d, p.err = Depend{}, dependError(p.err)
		}
		c.specs[s] = p
	}
	return p.d, p.err
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
