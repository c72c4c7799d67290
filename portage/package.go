package portage

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParsePackage parses one concrete package version, the way a package is
// given to swarm on the command line and printed by emerge in a
// [ebuild ...] or [binary ...] line:
//
//	sys-devel/llvm-19.1.7
//	=dev-lang/perl-5.24.0-r1
//	dev-qt/qtcore-5.9.4:5/5.9::gentoo
//	dev-libs/glib-2.80.5-r1-4:2::gentoo   (binary package, build id 4)
//
// A version is required; the only operator allowed is "=", which is
// optional (the result's Op is always "="); there are no blockers, slot
// operators or USE dependencies, since none of them name one package.
// A package longer than MaxPackage, or with names longer than portage can
// write as file names (see MaxCategoryPF), is refused. Errors match ErrBadAtom and name what is wrong.
func ParsePackage(s string) (Atom, error) {
	err := checkPackageLength(s)
	var a Atom
	if err == nil {
		a, err = parsePackage(s)
	}
	if err == nil {
		err = checkLengths(a)
	}
	if err != nil {
		return Atom{}, atomError(s, err)
	}
	return a, nil
}

func parsePackage(s string) (Atom, error) {
	rest := strings.TrimPrefix(s, "=")
	switch {
	case strings.HasPrefix(s, "!"):
		return Atom{}, errors.New("a blocker is not a package (want cat/name-version)")
	case rest != "" && strings.ContainsAny(rest[:1], "<>=~"):
		return Atom{}, errors.New(`a package takes no operator but "=" (want cat/name-version)`)
	case strings.ContainsAny(rest, "[]"):
		return Atom{}, errors.New("a package takes no USE dependencies (want cat/name-version)")
	}
	a := Atom{Op: "="}
	rest, err := a.parseRepo(rest)
	if err != nil {
		return Atom{}, err
	}
	if rest, err = a.parseSlot(rest); err != nil {
		return Atom{}, err
	}
	if a.SlotOp != "" {
		return Atom{}, fmt.Errorf("a package takes no slot operator (got %q)", a.SlotOp)
	}
	cat, pv, err := splitCategory(rest)
	if err != nil {
		return Atom{}, err
	}
	a.Category = cat
	return a, a.parsePackageVersion(pv)
}

// parsePackageVersion reads name-version, or name-version-buildid as
// emerge prints a binary package under FEATURES=binpkg-multi-instance.
// The build id is tried only when the plain split fails, so a valid
// name-version is never reread as anything else.
func (a *Atom) parsePackageVersion(pv string) error {
	name, v, err := splitPV(pv)
	switch {
	case err == nil && name != "":
		a.Name, a.Version = name, &v
		return nil
	case a.parseBuildID(pv):
		return nil
	case err != nil:
		return err
	}
	return errors.New("no version (want cat/name-version, like sys-devel/llvm-19.1.7)")
}

// parseBuildID reads pv as name-version-N with a build id N ≥ 1 written
// without leading zeros (so String gives it back unchanged).
func (a *Atom) parseBuildID(pv string) bool {
	i := strings.LastIndexByte(pv, '-')
	id := pv[i+1:]
	if i < 0 || id == "" || id[0] == '0' || !allDigits(id) {
		return false
	}
	n, err := strconv.Atoi(id)
	if err != nil {
		return false
	}
	name, v, err := splitPV(pv[:i])
	if err != nil || name == "" {
		return false
	}
	a.Name, a.Version, a.BuildID = name, &v, n
	return true
}
