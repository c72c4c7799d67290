// Package simgraph loads what `swarm simulate` and the scheduling
// benchmarks schedule: the dependency graph of a realistic world over
// portage metadata, with every package's expected build time from an
// emerge.log, as schedule.Jobs.
package simgraph

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/swarm-build/swarm/internal/world"
	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/schedule"
)

// ErrNoHistory: an emerge.log without one completed source build, so no
// build time to learn and every package would be estimated at zero.
var ErrNoHistory = errors.New("no completed source build in the emerge.log")

// ErrNoRoots: not one root of the world has a visible ebuild in the
// metadata, so there is nothing to build.
var ErrNoRoots = errors.New("no root of the world has a visible ebuild")

// Input is a job graph ready for schedule.Simulate.
type Input struct {
	// Jobs are the packages of the roots' closure in emerge's merge order
	// (schedule.MergeOrder), so FIFO works through the queue a farm filled
	// from emerge --pretend would have had.
	Jobs  []schedule.Job
	Roots int // how many roots the closure was taken from
	// How many jobs' Work came from each schedule.Source.
	Measured, ByCategory, Overall int
}

// Roots returns n roots of world.RealisticRoots spread evenly over the
// sorted list (every one for n ≤ 0 or n beyond its length), so a small
// world still holds a bit of everything rather than the first letters.
func Roots(n int) []string {
	all := world.RealisticRoots()
	if n <= 0 || n >= len(all) {
		return all
	}
	out := make([]string, n)
	for i := range out {
		out[i] = all[i*len(all)/n]
	}
	return out
}

// Load reads the ebuild metadata at graphPath (an md5-cache folder or its
// TSV form, plain or gzipped) and the emerge.log at logPath (plain or
// gzipped), and returns the closure of Roots(world) as jobs, each package's
// Work its expected build time (schedule.Estimates over the log's
// portage.Durations). Errors name the file, and the line where there is one.
func Load(graphPath, logPath string, world int) (Input, error) {
	history, err := ReadDurations(logPath)
	if err != nil {
		return Input{}, err
	}
	return Closure(graphPath, history, Roots(world))
}

// Closure reads the ebuild metadata at graphPath and returns the closure
// of roots (atoms, as a world file lists them) as jobs, each package's
// Work its expected build time by history (schedule.Estimates).
func Closure(graphPath string, history map[string]time.Duration, roots []string) (Input, error) {
	if len(roots) == 0 {
		return Input{}, fmt.Errorf("%s: %w (the world is empty)", graphPath, ErrNoRoots)
	}
	ebuilds, err := portage.LoadEbuilds(graphPath)
	if err != nil {
		return Input{}, err
	}
	g, err := portage.BuildGraph(ebuilds, roots, portage.GraphOptions{SkipMissingRoots: true})
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", graphPath, err)
	}
	if len(g.Roots) == 0 {
		return Input{}, fmt.Errorf("%s: %w (of %d roots, from %s to %s; is it an amd64 tree?)",
			graphPath, ErrNoRoots, len(roots), roots[0], roots[len(roots)-1])
	}
	in := Input{Jobs: make([]schedule.Job, len(g.Nodes)), Roots: len(g.Roots)}
	est := schedule.NewEstimates(history)
	for i, n := range g.Nodes {
		work, src := est.Work(n.Package.CP())
		switch src {
		case schedule.Measured:
			in.Measured++
		case schedule.Category:
			in.ByCategory++
		default:
			in.Overall++
		}
		in.Jobs[i] = schedule.Job{ID: n.Package.CPV(), Work: work, Deps: n.Deps}
	}
	in.Jobs, _, err = schedule.MergeOrder(in.Jobs, g.Roots)
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", graphPath, err)
	}
	return in, nil
}

// ReadDurations learns expected build times, per cat/name, from the
// emerge.log at path, plain or gzipped (found by its magic bytes, whatever
// the file is called).
func ReadDurations(path string) (map[string]time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := maybeGunzip(f, path)
	if err != nil {
		return nil, err
	}
	merges, err := portage.ParseEmergeLog(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := portage.Durations(merges)
	if len(d) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrNoHistory)
	}
	return d, nil
}

// maybeGunzip returns r's content, gunzipped when it starts with gzip's
// magic bytes.
func maybeGunzip(r io.Reader, path string) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return gz, nil
}

// ReadWorldFile reads a portage world file (/var/lib/portage/world): one
// atom per line; blank lines, comments and sets (@name) are skipped.
func ReadWorldFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var roots []string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "@") {
			continue
		}
		if !strings.Contains(line, "/") || strings.ContainsAny(line, " \t") {
			return nil, fmt.Errorf("%s: %q is not a package atom", path, line)
		}
		roots = append(roots, line)
	}
	return roots, nil
}
