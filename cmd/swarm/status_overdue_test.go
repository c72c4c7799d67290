package main

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/projections"
)

// TestStatusNamesUnpromoted: a built package whose binary package is not
// in the index is named on its own line, escaped like every field from
// outside.
func TestStatusNamesUnpromoted(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := projections.Status{Binary: projections.Binary{Available: 1, Total: 2}, Unpromoted: []projections.PackageNote{{
		Atom: "app-misc/late-1", State: projections.Built, Reason: "built by d\x1b[31m1 2m0s ago, but no binary package of it is in the index"}}}
	var b strings.Builder
	printStatus(&b, s, now, palette{})
	out := b.String()
	for _, want := range []string{"Binary:  50.0% available (1/2)\n",
		`Binhost: app-misc/late-1 not promoted: built by d\x1b[31m1 2m0s ago, but no binary package of it is in the index` + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}
