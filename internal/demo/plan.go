package demo

import (
	"fmt"
	"slices"
	"time"
)

// DefaultPackages is how many packages a demo builds unless told otherwise.
const DefaultPackages = 60

// DefaultSpeedup divides the real build durations. At 48 the default 60
// packages drain in about half a minute on 3 drones of 2 slots each (the
// longest, kde-apps/marble, really took 12 minutes: 15 seconds here).
const DefaultSpeedup = 48

// MinBuild is the shortest a simulated build takes, so that even the
// quickest package is seen building.
const MinBuild = 200 * time.Millisecond

// Build is one package of a plan.
type Build struct {
	Atom     string        // cat/pkg-ver
	Real     time.Duration // its build in the real emerge.log (see Measured)
	Measured bool          // Real is this package's own; false: picked from the log's durations
	Sim      time.Duration // how long the demo build takes
}

// Plan is what a demo builds.
type Plan struct {
	Builds    []Build
	Speedup   float64
	FailFirst string // the package whose first attempt fails; "" for none
}

// NewPlan picks n of Packages(), spread evenly over the list (so the demo
// shows the whole rebuild rather than its first letters), and scales their
// real durations down by speedup. With 3 packages or more, the one a third of
// the way in fails its first attempt.
func NewPlan(n int, speedup float64) (Plan, error) {
	all := Packages()
	if n < 1 || n > len(all) {
		return Plan{}, fmt.Errorf("%w: %d packages (the list has 1 to %d)", ErrBadPlan, n, len(all))
	}
	if !(speedup >= 1) {
		return Plan{}, fmt.Errorf("%w: speedup %g (at least 1)", ErrBadPlan, speedup)
	}
	p := Plan{Speedup: speedup, Builds: make([]Build, n)}
	for i := range n {
		atom := all[i*len(all)/n]
		real, ok := RealDuration(atom)
		p.Builds[i] = Build{Atom: atom, Real: real, Measured: ok, Sim: SimDuration(real, speedup)}
	}
	if n >= 3 {
		p.FailFirst = p.Builds[n/3].Atom
	}
	return p, nil
}

// SimDuration is how long the demo builds a package that really took real:
// real divided by speedup, at least MinBuild, to the millisecond.
func SimDuration(real time.Duration, speedup float64) time.Duration {
	d := time.Duration(float64(real) / speedup).Round(time.Millisecond)
	return max(d, MinBuild)
}

// Atoms returns the plan's packages, in order.
func (p Plan) Atoms() []string {
	atoms := make([]string, len(p.Builds))
	for i, b := range p.Builds {
		atoms[i] = b.Atom
	}
	return atoms
}

// Estimate is how long the simulated builds alone take on slots parallel
// builders that take the queue in order, each package going to the first
// free one (the failing package's first attempt counted as half a build
// more). A real run adds the farm's claim and report round trips.
func (p Plan) Estimate(slots int) time.Duration {
	free := make([]time.Duration, max(slots, 1)) // when each builder is next free
	for _, b := range p.Builds {
		d := b.Sim
		if b.Atom == p.FailFirst {
			d += b.Sim / 2
		}
		i := slices.Index(free, slices.Min(free))
		free[i] += d
	}
	return slices.Max(free)
}
