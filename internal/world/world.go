// Package world holds a realistic root set for dependency graphs: the
// @world of a real KDE desktop, resolved against the Macaroni md5-cache
// snapshot in testdata/graph. It is what `swarm simulate` and the
// scheduling benchmarks build their graph from, so that the graph has the
// shape a farm meets (a toolchain, Qt, KDE Frameworks, Plasma and
// applications; about 2,000 packages) rather than a toy one.
//
// See SOURCES.md for where each root comes from and how roots.txt is
// regenerated.
package world

import (
	_ "embed"
	"strings"
)

//go:embed roots.txt
var rootsTxt string

// RealisticRoots returns the root set, one cat/name per root, sorted: give
// it to portage.BuildGraph with the Macaroni TSV
// (testdata/graph/macaroni-next-md5cache.tsv.gz) and the default
// GraphOptions. Every root has a visible amd64 ebuild in that snapshot;
// with another tree, set GraphOptions.SkipMissingRoots.
func RealisticRoots() []string {
	var roots []string
	for line := range strings.Lines(rootsTxt) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			roots = append(roots, line)
		}
	}
	return roots
}
