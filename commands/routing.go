package commands

import (
	"slices"
	"strings"

	"github.com/swarm-build/swarm/projections"
)

// Routing holds the capability rules of config.toml's [capabilities]: what
// a drone must be able to do to build a package. The requirement is decided
// when a package is enqueued and recorded in its enqueued event, so the
// queue and a replay agree on it whatever the configuration says later.
type Routing struct {
	Packages map[string][]string // package pattern → capabilities
	USE      map[string][]string // USE flag → capabilities
	Keywords map[string][]string // arch keyword → capabilities: one arch's suffices
}

// Requires returns the capabilities atom needs, built with the USE flags
// use and keyworded with keywords (from the tree's metadata; nil when
// unknown), sorted and without repeats; nil when it needs none. The
// arches' capabilities are one entry "a|b": a drone of any of them will do.
func (r Routing) Requires(atom string, use, keywords []string) []string {
	var need []string
	for pattern, caps := range r.Packages {
		if projections.MatchPattern(pattern, atom) {
			need = append(need, caps...)
		}
	}
	for _, flag := range use {
		need = append(need, r.USE[flag]...)
	}
	if arches := r.arches(keywords); arches != "" {
		need = append(need, arches)
	}
	if len(need) == 0 {
		return nil
	}
	slices.Sort(need)
	return slices.Compact(need)
}

// arches is the any-of entry for a package's KEYWORDS: the capabilities of
// every arch it is keyworded for (stable or ~testing) that a rule names.
// "" when no rule applies, or a keyword "*"/"~*" admits every arch.
func (r Routing) arches(keywords []string) string {
	if len(r.Keywords) == 0 {
		return ""
	}
	var alts []string
	for _, kw := range keywords {
		arch := strings.TrimPrefix(kw, "~")
		if arch == "*" {
			return ""
		}
		alts = append(alts, r.Keywords[arch]...)
	}
	if len(alts) == 0 {
		return ""
	}
	slices.Sort(alts)
	return strings.Join(slices.Compact(alts), "|")
}
