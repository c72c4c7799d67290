package drone

import (
	"fmt"
	"os"
	"strings"
)

// pkgDirName is the folder name of a claim's PKGDIR, beside its log:
//
//	sys-devel/llvm-19.1.7, fence 42 → sys-devel_llvm-19.1.7.42.pkgdir
func pkgDirName(atom string, fence uint64) string {
	return strings.TrimSuffix(logName(atom, fence), ".log") + ".pkgdir"
}

// freshDir makes dir empty: whatever an earlier run under the same name
// left there is removed, so that every file in it afterwards is the
// build's own.
func freshDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make %s: %w", dir, err)
	}
	return nil
}

// removePkgDir deletes b's PKGDIR once its story is told: its packages
// were uploaded (the orchestrator holds them now) or are of no use.
func (a *Agent) removePkgDir(b *build) {
	if err := os.RemoveAll(b.pkgDir); err != nil {
		a.log.Warn("cannot remove a build's PKGDIR", "atom", b.claim.Atom, "dir", b.pkgDir, "err", err)
	}
}

// binhostURL is where the farm serves its binhost: the orchestrator's
// /binhost/, given to builds as PORTAGE_BINHOST.
func (a *Agent) binhostURL() string {
	return a.orchestrator() + "/binhost"
}
