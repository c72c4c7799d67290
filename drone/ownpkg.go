package drone

import (
	"path"
	"strings"

	"github.com/swarm-build/swarm/portage"
)

// ownPackages splits the package files of a build of atom into the
// build's own and the others. The others are its dependencies' packages:
// emerge --getbinpkg stores what it fetches for a PORTAGE_BINHOST in
// PKGDIR, and a dependency it had to build from source is packaged there
// too. Only the claimed package is this build's to hand over; the farm
// refuses another package under its claim.
//
// A file is the build's own when it is CATEGORY/PN/PF-BUILD_ID.gpkg.tar
// (FEATURES=binpkg-multi-instance, portage's default) or CATEGORY/PF.gpkg.tar
// for atom's CATEGORY/PF. No other package's file can look like that: a
// package name never ends in what reads as a version (PMS 3.1.2).
//
// An atom that does not parse (the orchestrator validates atoms, so this
// is a bug) keeps every file: the farm's verification then judges them.
func ownPackages(atom string, files []pkgFile) (own, others []pkgFile) {
	a, err := portage.ParsePackage(atom)
	if err != nil {
		return files, nil
	}
	cat, pf := a.Category, strings.TrimPrefix(a.CPV(), a.Category+"/")
	for _, f := range files {
		if isOwnPackage(cat, pf, f.name) {
			own = append(own, f)
		} else {
			others = append(others, f)
		}
	}
	return own, others
}

// isOwnPackage reports whether name, relative to a PKGDIR, is a package
// file of cat/pf.
func isOwnPackage(cat, pf, name string) bool {
	first, _, _ := strings.Cut(name, "/")
	base, ok := strings.CutSuffix(path.Base(name), ".gpkg.tar")
	if first != cat || !ok || !strings.HasPrefix(base, pf) {
		return false
	}
	if strings.Count(name, "/") > 2 {
		return false
	}
	rest := base[len(pf):]
	if rest == "" {
		return true
	}
	id, ok := strings.CutPrefix(rest, "-")
	return ok && id != "" && strings.Trim(id, "0123456789") == ""
}
