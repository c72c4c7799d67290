package demo

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// TestDefaultPlan: the default demo drains in about half a minute on 3
// drones of 2 slots, every build within bounds.
func TestDefaultPlan(t *testing.T) {
	p, err := NewPlan(DefaultPackages, DefaultSpeedup)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Builds) != DefaultPackages {
		t.Fatalf("%d builds", len(p.Builds))
	}
	if est := p.Estimate(3 * 2); est < 15*time.Second || est > 40*time.Second {
		t.Errorf("estimate %s, want 15s to 40s", est)
	}
	all := Packages()
	seen := map[string]bool{}
	for _, b := range p.Builds {
		if !slices.Contains(all, b.Atom) || seen[b.Atom] {
			t.Errorf("%s: not in the list, or twice", b.Atom)
		}
		seen[b.Atom] = true
		if real, ok := RealDuration(b.Atom); real != b.Real || ok != b.Measured {
			t.Errorf("%s: real %s, want %s", b.Atom, b.Real, real)
		}
		if b.Sim < MinBuild || b.Sim > b.Real/DefaultSpeedup+MinBuild {
			t.Errorf("%s: %s simulated for a real %s", b.Atom, b.Sim, b.Real)
		}
	}
	if !seen[p.FailFirst] {
		t.Errorf("the failing package %q is not in the plan", p.FailFirst)
	}
	if q, _ := NewPlan(DefaultPackages, DefaultSpeedup); !slices.Equal(q.Builds, p.Builds) || q.FailFirst != p.FailFirst {
		t.Error("two plans of the same size differ")
	}
}

// TestPlanSpread: a plan samples the whole list, first to last.
func TestPlanSpread(t *testing.T) {
	all := Packages()
	p, err := NewPlan(len(all), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Atoms(), all) {
		t.Error("the whole list is not the list")
	}
	p, _ = NewPlan(12, 10)
	if p.Builds[0].Atom != all[0] || p.Builds[11].Atom == all[11] {
		t.Errorf("12 of the list: %v", p.Atoms())
	}
	if p, _ := NewPlan(2, 10); p.FailFirst != "" {
		t.Errorf("a plan of 2 fails %s", p.FailFirst)
	}
}

func TestPlanBounds(t *testing.T) {
	for _, c := range []struct {
		n       int
		speedup float64
	}{{0, 32}, {len(Packages()) + 1, 32}, {10, 0}, {10, 0.5}, {10, -1}} {
		if _, err := NewPlan(c.n, c.speedup); !errors.Is(err, ErrBadPlan) {
			t.Errorf("NewPlan(%d, %g): %v", c.n, c.speedup, err)
		}
	}
}

func TestSimDuration(t *testing.T) {
	for _, c := range []struct {
		real    time.Duration
		speedup float64
		want    time.Duration
	}{
		{732 * time.Second, 32, 22875 * time.Millisecond},
		{10 * time.Second, 32, 313 * time.Millisecond},
		{time.Second, 32, MinBuild},
		{time.Minute, 1, time.Minute},
	} {
		if got := SimDuration(c.real, c.speedup); got != c.want {
			t.Errorf("SimDuration(%s, %g) = %s, want %s", c.real, c.speedup, got, c.want)
		}
	}
}
