package schedule

import (
	"slices"
	"strings"
	"time"
)

// MinCategory is how many measured packages a category needs before their
// median stands for its unmeasured ones.
const MinCategory = 3

// Source says where an estimate came from.
type Source uint8

const (
	Measured Source = iota // the package's own history
	Category               // the median of its category's measured packages
	Overall                // the median of every measured package
)

// Estimates gives every package an expected build time from a history of
// measured ones (per cat/name, as from an emerge.log): its own when it has
// one; otherwise the median of its category's, when at least MinCategory of
// the category are measured; otherwise the median of them all.
//
// The category carries most of what is knowable about an unmeasured build:
// virtual/*, acct-user/* and acct-group/* take seconds, kde-apps/* and
// dev-qt/* minutes, so a global figure alone would make every virtual
// package look like a real build and every KDE one look short. The median,
// not the mean, because build times are heavy-tailed: one chromium must not
// make every unknown browser plugin an hour long.
type Estimates struct {
	known    map[string]time.Duration
	category map[string]time.Duration
	overall  time.Duration
}

// NewEstimates learns from known, keyed by cat/name. An empty history
// estimates every package at zero.
func NewEstimates(known map[string]time.Duration) *Estimates {
	e := &Estimates{known: known, category: map[string]time.Duration{}}
	byCat := map[string][]time.Duration{}
	all := make([]time.Duration, 0, len(known))
	for cp, d := range known {
		cat, _, _ := strings.Cut(cp, "/")
		byCat[cat] = append(byCat[cat], d)
		all = append(all, d)
	}
	for cat, ds := range byCat {
		if len(ds) >= MinCategory {
			e.category[cat] = median(ds)
		}
	}
	e.overall = median(all)
	return e
}

// Work is the expected build time of package cp (cat/name) on the machine
// the history was measured on, and where the figure came from.
func (e *Estimates) Work(cp string) (time.Duration, Source) {
	if d, ok := e.known[cp]; ok {
		return d, Measured
	}
	cat, _, _ := strings.Cut(cp, "/")
	if d, ok := e.category[cat]; ok {
		return d, Category
	}
	return e.overall, Overall
}

// median of ds (the lower middle of an even count, so it is a real
// measurement); 0 for none. It sorts ds.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[(len(ds)-1)/2]
}
