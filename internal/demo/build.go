package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/swarm-build/swarm/portage"
)

// SimOptions are the inputs of Simulate.
type SimOptions struct {
	Atom    string  // the package, as the drone substituted it for {atom}
	Speedup float64 // the build takes SimDuration(RealDuration(Atom), Speedup)
	// FailFirst names the package whose first attempt fails (compared as
	// cat/pkg-ver); Marks is the folder that remembers that it had it.
	FailFirst string
	Marks     string
	// Sleep waits for d or until ctx is done; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// step is a moment of a simulated build: at frac of its duration, print lines.
type step struct {
	frac  float64
	lines []string
}

// compileTicks is how many progress lines the compile phase prints, so the
// build log, and with it the drone's reported progress, keeps growing.
const compileTicks = 10

// Simulate is one demo build: the phases emerge prints, spread over the
// package's real build duration scaled down by o.Speedup, written to w. It
// returns nil, or ErrBuildFailed when this is the FailFirst package's first
// attempt: that attempt stops halfway through compiling, with the lines
// emerge.log recorded for a real failed build.
func Simulate(ctx context.Context, w io.Writer, o SimOptions) error {
	a, err := portage.ParsePackage(o.Atom)
	if err != nil {
		return err
	}
	cpv := a.CPV()
	if !(o.Speedup >= 1) {
		return fmt.Errorf("%w: speedup %g (at least 1)", ErrBadPlan, o.Speedup)
	}
	real, _ := RealDuration(cpv)
	d := SimDuration(real, o.Speedup)
	fail := false
	if o.FailFirst != "" && sameCPV(o.FailFirst, cpv) {
		if fail, err = firstAttempt(o.Marks, cpv); err != nil {
			return err
		}
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	at := 0.0
	for _, s := range buildSteps(cpv, d, real, fail) {
		if err := sleep(ctx, time.Duration((s.frac-at)*float64(d))); err != nil {
			return err
		}
		at = s.frac
		for _, l := range s.lines {
			fmt.Fprintln(w, l)
		}
	}
	if fail {
		return fmt.Errorf("%w: first attempt of %s (the retry builds it)", ErrBuildFailed, cpv)
	}
	return nil
}

// buildSteps returns what a build of atom (cat/pkg-ver) prints and when; a
// failing build stops halfway through compiling.
func buildSteps(atom string, d, real time.Duration, fail bool) []step {
	pv := atom[strings.IndexByte(atom, '/')+1:]
	tmp := "/var/tmp/portage/" + atom
	work := tmp + "/work/" + pv
	steps := []step{
		{0, []string{">>> Emerging (1 of 1) " + atom + "::gentoo", ">>> Unpacking source..."}},
		{0.05, []string{">>> Source unpacked in " + tmp + "/work", ">>> Preparing source in " + work + " ..."}},
		{0.08, []string{">>> Source prepared.", ">>> Configuring source in " + work + " ..."}},
		{0.15, []string{">>> Source configured.", ">>> Compiling source in " + work + " ..."}},
	}
	for i := 1; i <= compileTicks; i++ {
		frac := 0.15 + 0.75*float64(i)/compileTicks
		line := fmt.Sprintf("[%3d%%] swarm demo: a %s build, simulated in %s",
			100*i/compileTicks, real, d.Round(10*time.Millisecond))
		if fail && i > compileTicks/2 {
			return append(steps, step{frac, []string{
				"!!! swarm demo: the first attempt of " + atom + " fails on purpose, to show a retry",
				" *** Finished. Cleaning up...",
				" *** exiting unsuccessfully with status '1'.",
			}})
		}
		steps = append(steps, step{frac, []string{line}})
	}
	return append(steps,
		step{0.9, []string{">>> Source compiled.", ">>> Install " + atom + " into " + tmp + "/image"}},
		step{0.97, []string{">>> Completed installing " + atom + " into " + tmp + "/image",
			">>> Installing (1 of 1) " + atom + "::gentoo"}},
		step{1, []string{">>> Completed (1 of 1) " + atom + "::gentoo"}},
	)
}

// sameCPV reports whether two packages are the same cat/pkg-ver.
func sameCPV(a, cpv string) bool {
	p, err := portage.ParsePackage(a)
	return err == nil && p.CPV() == cpv
}

// firstAttempt records an attempt of atom in marks and reports whether it
// is the first. Claims are exclusive, so two attempts never race; O_EXCL
// makes sure anyway.
func firstAttempt(marks, atom string) (bool, error) {
	if marks == "" {
		return false, errors.New("demo: failing a first attempt needs a marks folder")
	}
	if err := os.MkdirAll(marks, 0o755); err != nil {
		return false, err
	}
	name := filepath.Join(marks, strings.NewReplacer("/", "_", ":", "_").Replace(atom))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, f.Close()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
