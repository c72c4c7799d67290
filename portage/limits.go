package portage

import "fmt"

// Length limits. PMS sets none, but portage turns names into file names,
// and a file name longer than NAME_MAX makes every emerge of the package
// fail with "File name too long" before it builds anything. A drone cannot
// tell that from a broken drone, so swarm refuses such a package where it
// enters the queue instead.
//
// The file names portage makes from a package (cat/name-version is
// CATEGORY/PN-PVR, and PF is PN-PVR):
//
//	${PORTAGE_TMPDIR}/portage/${CATEGORY}.portage_lockfile      category + 17
//	${PORTAGE_TMPDIR}/portage/${CATEGORY}/${PF}.portage_lockfile  PF + 17
//	${PORTDIR}/${CATEGORY}/${PN}/${PF}.ebuild                    PF + 7
//	/var/db/pkg/${CATEGORY}/-MERGING-${PF}                      PF + 9
//	${PKGDIR}/${CATEGORY}/${PN}/${PF}-${BUILD_ID}.gpkg.tar      PF + 10 + digits
//	${PORT_LOGDIR}/${CATEGORY}:${PF}:YYYYMMDD-HHMMSS.log        category + PF + 21
//
// The last, the build log when PORT_LOGDIR is set (the usual setting on a
// build host), is the tightest, and the only one holding both names. So
// len(category) + len(PF) ≤ 255 − 21 = 234, which bounds each of the others
// too. An atom without a version must leave room for the shortest version
// ("-0"). Slot, sub-slot and repository get NAME_MAX each: a repository is
// a folder name (/var/db/repos/NAME), and a slot, though no file is named
// for it, needs some bound so that the whole does.
const (
	// NameMax is NAME_MAX of Linux file systems (ext4, xfs, btrfs, tmpfs).
	NameMax = 255

	// MaxCategoryPF is the most bytes a package's category and PF may have
	// together: NameMax less the rest of portage's build log name.
	MaxCategoryPF = NameMax - len("::20060102-150405.log")

	// MaxPackage is the most bytes of a package as swarm is given it
	// ([=]cat/name-version[:slot[/sub]][::repo]). The parts' limits add up
	// to 1,006 bytes (1 + 234 + 1 + 1 + 255 + 1 + 255 + 2 + 255 + 1), so
	// nothing longer can pass them; the whole is checked first so that a
	// megabyte of junk is refused without parsing it.
	MaxPackage = 1024
)

// checkLengths applies the limits above to a parsed atom.
func checkLengths(a Atom) error {
	pf := a.Name + "-0" // the shortest version, for an atom without one
	if a.Version != nil {
		pf = a.Name + "-" + a.Version.String()
	}
	if n := len(a.Category) + len(pf); n > MaxCategoryPF {
		return fmt.Errorf("category and name-version are %d bytes together, more than %d: "+
			"portage's file names for it (CATEGORY:PF:DATE.log) would exceed NAME_MAX (%d bytes)",
			n, MaxCategoryPF, NameMax)
	}
	for _, p := range []struct{ what, s string }{
		{"slot", a.Slot}, {"sub-slot", a.SubSlot}, {"repository name", a.Repo},
	} {
		if len(p.s) > NameMax {
			return fmt.Errorf("%s is %d bytes, more than %d (NAME_MAX)", p.what, len(p.s), NameMax)
		}
	}
	return nil
}

// checkPackageLength refuses a package text longer than MaxPackage before
// any parsing.
func checkPackageLength(s string) error {
	if len(s) > MaxPackage {
		return fmt.Errorf("%d bytes, more than the %d any package can have", len(s), MaxPackage)
	}
	return nil
}
