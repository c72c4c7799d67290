package commands

import (
	"fmt"
	"strings"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Selector is a package as an operator names it on the command line: a
// version (`=dev-lang/perl-5.24.0-r1`, whose queue key is Key) or a bare
// name (`dev-lang/perl`, every version of it: Name). Forensic views
// accept both, since an operator asking what happened to llvm does not
// remember which version the farm built.
type Selector struct {
	Key  string // the queue key of a version; "" for a name
	Name string // cat/name when no version was given
}

// ParseSelector reads a package version or name. Anything else is an
// error wrapping ErrBadAtom.
func ParseSelector(arg string) (Selector, error) {
	keys, err := ParseAtoms([]string{arg})
	if err == nil {
		return Selector{Key: keys[0]}, nil
	}
	if isPackageName(arg) {
		return Selector{Name: arg}, nil
	}
	return Selector{}, fmt.Errorf("%w (or a name, like sys-devel/llvm)", err)
}

// isPackageName reports whether s is cat/name: one slash, both parts made
// of the characters portage allows, no operator, version, slot or glob.
func isPackageName(s string) bool {
	cat, name, ok := strings.Cut(s, "/")
	return ok && validNamePart(cat) && validNamePart(name) && !strings.Contains(name, "/")
}

func validNamePart(s string) bool {
	if s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, ".") {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+_.-", r)
		if !ok {
			return false
		}
	}
	return true
}

// Concerns reports whether e is part of the story of the selected
// package (any version of it for a name), exclusions that match included.
func (s Selector) Concerns(e *events.Event) bool {
	if s.Key != "" {
		return projections.Concerns(e, s.Key)
	}
	if e.Atom != "" {
		return projections.MatchPattern(s.Name, e.Atom)
	}
	switch e.Type {
	case events.TypeExcluded, events.TypeIncluded:
		return e.Pattern != "" && (projections.MatchPattern(s.Name, e.Pattern) || projections.MatchPattern(e.Pattern, s.Name))
	}
	return false
}

// String is what the operator selected.
func (s Selector) String() string {
	if s.Key != "" {
		return s.Key
	}
	return s.Name
}
