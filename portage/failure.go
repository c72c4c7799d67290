package portage

import (
	"bytes"
	"regexp"
	"slices"
)

// Failure signatures: short, stable names for why an emerge failed, read
// from the tail of its output. The orchestrator compares them across drones:
// the same signature on most of the fleet at once (a stale queue's slot
// conflict) is a systemic fault, not a row of broken drones, so the names
// must not vary with the package, the drone or the portage version.
const (
	SigSlotConflict = "slot-conflict" // two versions of one slot pulled into the graph
	SigBlocker      = "blocker"       // a blocker emerge could not resolve
	SigNoEbuild     = "no-ebuild"     // the atom matches nothing in the drone's tree
	SigFetchFailed  = "fetch-failed"  // sources could not be downloaded
	SigOOM          = "oom"           // the compiler (or emerge) ran out of memory
)

// buildPhases are the ebuild phases whose failure FailureSignature names as
// "<phase>-phase". The set is closed so that a signature is always one of
// FailureSignatures, whatever text a build prints.
var buildPhases = []string{
	"pretend", "setup", "unpack", "prepare", "configure", "compile", "test",
	"install", "instprep", "preinst", "postinst", "prerm", "postrm", "config",
	"info", "nofetch", "package", "merge", "unmerge", "clean", "cleanrm",
}

// FailureSignatures returns every name FailureSignature can return, other
// than "".
func FailureSignatures() []string {
	out := []string{SigSlotConflict, SigBlocker, SigNoEbuild, SigFetchFailed, SigOOM}
	for _, p := range buildPhases {
		out = append(out, p+"-phase")
	}
	return out
}

var (
	// ansiEscape matches the colour codes emerge writes on a terminal (and
	// with --color=y), which would split the texts matched below.
	ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

	// phaseFailure is portage's die() headline:
	//	* ERROR: dev-lang/go-1.3.3::gentoo failed (compile phase):
	phaseFailure = regexp.MustCompile(`ERROR: \S+ failed \(([a-z]+) phase\)`)

	// blocksLine is a blocker in emerge's package list: [blocks B      ] or
	// [blocks b      ]; a failed build's log with one is blocked.
	blocksLine = regexp.MustCompile(`(?m)^\s*\[blocks [bB]\s*\]`)
)

// Plain-text markers, checked in this order (see FailureSignature).
var (
	slotConflictText = [][]byte{
		[]byte("Multiple package instances within a single package slot have been pulled"),
	}
	blockerText = [][]byte{
		[]byte("Blocked Packages"),
		[]byte("The above package list contains packages which cannot be"),
	}
	noEbuildText = [][]byte{
		[]byte("emerge: there are no ebuilds to satisfy"),
		[]byte("emerge: there are no ebuilds built with USE flags to satisfy"),
	}
	oomText = [][]byte{
		[]byte("Killed signal terminated program"),
		[]byte("virtual memory exhausted"),
		[]byte("Cannot allocate memory"),
		[]byte("out of memory"),
		[]byte("Out of memory"),
		[]byte("OUT OF MEMORY"),
	}
	fetchText = [][]byte{
		[]byte("!!! Fetch failed for"),
		[]byte("!!! Couldn't download"),
		[]byte("!!! Some fetch errors were encountered"),
	}
)

// FailureSignature classifies the tail of a failed emerge's output into one
// of FailureSignatures, or "" when it recognises nothing (the caller then
// names the failure by its exit status, e.g. "exit-1").
//
// When several apply, the first in this order wins, so that the cause beats
// its consequence: a slot conflict (emerge prints "Blocked Packages" help
// with some of them), a blocker, no ebuild, out of memory (which kills the
// compiler and so also fails the compile phase), a fetch failure (which
// portage may report as the fetch phase), then the last phase that failed.
func FailureSignature(tail []byte) string {
	text := ansiEscape.ReplaceAll(tail, nil)
	switch {
	case containsAny(text, slotConflictText):
		return SigSlotConflict
	case containsAny(text, blockerText) || blocksLine.Match(text):
		return SigBlocker
	case containsAny(text, noEbuildText):
		return SigNoEbuild
	case containsAny(text, oomText):
		return SigOOM
	case containsAny(text, fetchText):
		return SigFetchFailed
	}
	all := phaseFailure.FindAllSubmatch(text, -1)
	for i := len(all) - 1; i >= 0; i-- {
		phase := string(all[i][1])
		if phase == "fetch" {
			return SigFetchFailed
		}
		if slices.Contains(buildPhases, phase) {
			return phase + "-phase"
		}
	}
	return ""
}

func containsAny(text []byte, markers [][]byte) bool {
	for _, m := range markers {
		if bytes.Contains(text, m) {
			return true
		}
	}
	return false
}
