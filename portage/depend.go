package portage

import (
	"fmt"
	"strings"
)

// DepKind says what a node of a dependency tree is.
type DepKind uint8

// The node kinds of a dependency specification (PMS 8.2).
const (
	// DepAll requires every child: the whole specification and each plain
	// "( ... )" group.
	DepAll DepKind = iota
	// DepAnyOf requires one child: "|| ( ... )".
	DepAnyOf
	// DepUseCond requires its children only when Flag is set ("flag? ( ... )"),
	// or, with Negate, only when it is not ("!flag? ( ... )").
	DepUseCond
	// DepAtom is one package dependency or blocker.
	DepAtom
)

var depKindNames = [...]string{DepAll: "all-of", DepAnyOf: "any-of", DepUseCond: "use-conditional", DepAtom: "atom"}

func (k DepKind) String() string {
	if int(k) >= len(depKindNames) {
		return fmt.Sprintf("DepKind(%d)", int(k))
	}
	return depKindNames[k]
}

// Depend is a dependency specification as DEPEND, BDEPEND, RDEPEND, PDEPEND
// and IDEPEND hold it (PMS 8.2): a tree whose root is a DepAll node. The zero
// value is the empty specification, which requires nothing.
//
// The tree keeps the groups as written instead of flattening them, because
// what a specification requires depends on USE flags and on which
// alternative of each || group gets picked: that is Resolve's job, done
// once per ebuild and configuration.
type Depend struct {
	Kind DepKind
	// Atom is the dependency of a DepAtom node, nil in other nodes; a
	// blocker (Atom.Blocker set) forbids a package rather than requiring
	// it. A pointer keeps the tree small: loaders hold some 300,000 nodes
	// for a whole tree, and share each distinct atom between them.
	Atom *Atom
	// Flag and Negate are the condition of a DepUseCond node.
	Flag   string
	Negate bool
	// Children are the members of a DepAll, DepAnyOf or DepUseCond node.
	Children []Depend
}

// String returns the specification in its canonical form: tokens separated
// by single spaces, as md5-cache writes it. ParseDepend of the result gives
// an equal tree.
func (d Depend) String() string {
	var b strings.Builder
	d.write(&b, true)
	return b.String()
}

func (d Depend) write(b *strings.Builder, top bool) {
	switch d.Kind {
	case DepAtom:
		b.WriteString(d.Atom.String())
		return
	case DepAnyOf:
		b.WriteString("|| ( ")
	case DepUseCond:
		if d.Negate {
			b.WriteByte('!')
		}
		b.WriteString(d.Flag + "? ( ")
	default:
		if !top {
			b.WriteString("( ")
		}
	}
	for i, c := range d.Children {
		if i > 0 {
			b.WriteByte(' ')
		}
		c.write(b, false)
	}
	if d.Kind != DepAll || !top {
		if len(d.Children) > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(')')
	}
}

// Atoms returns every atom of the tree, blockers included, in the order
// written, whatever the USE flags: what a specification could ever ask for.
func (d Depend) Atoms() []Atom {
	var out []Atom
	d.walk(func(a Atom) { out = append(out, a) })
	return out
}

func (d Depend) walk(fn func(Atom)) {
	if d.Kind == DepAtom {
		fn(*d.Atom)
		return
	}
	for _, c := range d.Children {
		c.walk(fn)
	}
}

// Resolve evaluates the specification for one configuration and returns
// the atoms it then requires, blockers included (Atom.Blocker is set, so a
// caller that orders builds skips them and one that checks conflicts keeps
// them), in the order written.
//
// use reports whether a USE flag is enabled; a nil use enables none. In
// each || group, alternatives that USE conditionals leave empty are
// dropped (as portage's use_reduce does), and the first remaining
// alternative whose every non-blocker atom prefer accepts is chosen, else
// the first remaining one: portage likewise prefers an alternative that is
// already installed or available, falling back to the first. A nil prefer
// accepts everything.
func (d Depend) Resolve(use func(flag string) bool, prefer func(Atom) bool) []Atom {
	var pref func(*Atom) bool
	if prefer != nil {
		pref = func(a *Atom) bool { return prefer(*a) }
	}
	var out []Atom
	for _, a := range d.resolveAtoms(nil, use, pref) {
		out = append(out, *a)
	}
	return out
}

// resolveAtoms is Resolve returning the tree's own atoms, appended to out,
// so a caller may tell them apart by address (BuildGraph caches what each
// resolves to: loaders share one Atom among every specification that
// writes it).
func (d *Depend) resolveAtoms(out []*Atom, use func(string) bool, prefer func(*Atom) bool) []*Atom {
	if use == nil {
		use = func(string) bool { return false }
	}
	if prefer == nil {
		prefer = func(*Atom) bool { return true }
	}
	return d.resolve(out, use, prefer)
}

func (d *Depend) resolve(out []*Atom, use func(string) bool, prefer func(*Atom) bool) []*Atom {
	switch d.Kind {
	case DepAtom:
		return append(out, d.Atom)
	case DepUseCond:
		if use(d.Flag) == d.Negate {
			return out
		}
	case DepAnyOf:
		return d.resolveAnyOf(out, use, prefer)
	}
	for i := range d.Children {
		out = d.Children[i].resolve(out, use, prefer)
	}
	return out
}

// resolveAnyOf appends the atoms of the alternative Resolve picks.
func (d *Depend) resolveAnyOf(out []*Atom, use func(string) bool, prefer func(*Atom) bool) []*Atom {
	var first []*Atom
	for i := range d.Children {
		alt := d.Children[i].resolve(nil, use, prefer)
		if len(alt) == 0 {
			continue
		}
		if first == nil {
			first = alt
		}
		if allPreferred(alt, prefer) {
			return append(out, alt...)
		}
	}
	return append(out, first...)
}

func allPreferred(atoms []*Atom, prefer func(*Atom) bool) bool {
	for _, a := range atoms {
		if a.Blocker == NoBlock && !prefer(a) {
			return false
		}
	}
	return true
}
