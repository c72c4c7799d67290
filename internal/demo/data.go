package demo

import (
	_ "embed"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/swarm-build/swarm/internal/eventmix"
)

var (
	//go:embed packages.txt
	packagesTxt string
	//go:embed merges.txt
	mergesTxt string
)

// Packages returns the demo's real package list (cat/pkg-ver), in the order
// emerge listed them.
func Packages() []string { return strings.Fields(packagesTxt) }

// Merges returns the package of each merge of the real emerge.log, in the
// order of eventmix.Durations().
func Merges() []string { return strings.Fields(mergesTxt) }

// measured maps a package to the duration of its last merge in the log.
var measured = sync.OnceValue(func() map[string]time.Duration {
	durs := eventmix.Durations()
	m := make(map[string]time.Duration)
	for i, cpv := range Merges() {
		if i < len(durs) {
			m[cpv] = durs[i]
		}
	}
	return m
})

// RealDuration returns how long cpv (cat/pkg-ver) took to build in the real
// emerge.log, and true; for a package the log never built, a duration
// picked from the log's own by a hash of cpv (the same every time), and
// false.
func RealDuration(cpv string) (time.Duration, bool) {
	if d, ok := measured()[cpv]; ok {
		return d, true
	}
	durs := eventmix.Durations()
	if len(durs) == 0 {
		return time.Minute, false
	}
	h := fnv.New64a()
	h.Write([]byte(cpv))
	return durs[h.Sum64()%uint64(len(durs))], false
}
