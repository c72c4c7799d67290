package portage

import (
	"errors"
	"fmt"
	"strings"
)

// parseSlot takes a trailing :slot[/subslot][=], := or :* off s.
func (a *Atom) parseSlot(s string) (string, error) {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return s, nil
	}
	spec := s[i+1:]
	switch {
	case spec == "*" || spec == "=":
		a.SlotOp = spec
		return s[:i], nil
	case strings.HasSuffix(spec, "="):
		a.SlotOp, spec = "=", spec[:len(spec)-1]
	}
	slot, sub, hasSub := strings.Cut(spec, "/")
	err := slotRule.check(slot)
	if err == nil && hasSub {
		err = subSlotRule.check(sub)
	}
	if err != nil {
		return "", fmt.Errorf("slot restriction %q: %w", s[i:], err)
	}
	a.Slot, a.SubSlot = slot, sub
	return s[:i], nil
}

// splitCategory splits "cat/rest" and checks the category.
func splitCategory(s string) (cat, rest string, err error) {
	cat, rest, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", fmt.Errorf("no category in %q (want cat/name, like sys-devel/llvm)", s)
	}
	return cat, rest, checkCategory(cat)
}

// parseUnversioned reads a plain package name: the atom has no operator.
func (a *Atom) parseUnversioned(pv string) error {
	if strings.HasSuffix(pv, "*") {
		return errors.New("a * wildcard needs the = operator and a version")
	}
	if name, _, err := splitPV(pv); err == nil && name != "" {
		return fmt.Errorf("version without an operator (want =%s/%s or drop the version)", a.Category, pv)
	}
	a.Name = pv
	return checkPackageName(pv)
}

// parseVersioned reads name-version[*] after an operator.
func (a *Atom) parseVersioned(pv string) error {
	if strings.HasSuffix(pv, "*") {
		if a.Op != "=" {
			return fmt.Errorf("a * wildcard needs the = operator, not %q", a.Op)
		}
		a.Op, pv = "=*", pv[:len(pv)-1]
	}
	name, v, err := splitPV(pv)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("operator %q needs a version (want %s%s/%s-1.0)", a.Op, strings.TrimSuffix(a.Op, "*"), a.Category, pv)
	}
	a.Name, a.Version = name, &v
	return nil
}

// splitPV splits "name-version" at the hyphen that begins a valid version.
// At most one hyphen can: a version holds no hyphen but the one before
// "rN", and "rN" alone is no version. So foo-1.0-r1 is foo 1.0-r1, and
// foo-1-2 has no valid split, because the name foo-1 would end in a
// version. When no hyphen begins a version, name is "" and err explains the
// likeliest intended version (the one after the last hyphen and digit), or
// is nil when nothing looks like a version at all.
func splitPV(pv string) (name string, v Version, err error) {
	var guess error
	for i := strings.LastIndexByte(pv, '-'); i >= 0; i = strings.LastIndexByte(pv[:i], '-') {
		if i+1 >= len(pv) || pv[i+1] < '0' || pv[i+1] > '9' {
			continue
		}
		v, verr := ParseVersion(pv[i+1:])
		if verr != nil {
			if guess == nil {
				guess = verr
			}
			continue
		}
		if err := checkPackageName(pv[:i]); err != nil {
			return "", Version{}, err
		}
		return pv[:i], v, nil
	}
	return "", Version{}, guess
}
