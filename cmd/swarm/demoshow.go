package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-isatty"

	"github.com/swarm-build/swarm/internal/demo"
	"github.com/swarm-build/swarm/internal/termsafe"
)

// printDemoIntro says what the demo is about to do.
func printDemoIntro(w io.Writer, p palette, dir string, plan demo.Plan, o *demoOptions) {
	measured := 0
	for _, b := range plan.Builds {
		if b.Measured {
			measured++
		}
	}
	fmt.Fprintf(w, "%s in %s\n", p.bold("A throwaway swarm"), dir)
	fmt.Fprintf(w, "  an orchestrator and %s (%d builds at once each), all separate processes,\n",
		plural(o.Drones, "drone", "drones"), o.Slots)
	fmt.Fprintf(w, "  building %s of a real KDE rebuild with their real build times\n",
		plural(len(plan.Builds), "package", "packages"))
	fmt.Fprintf(w, "  (%d of them measured in a real emerge.log), %s× faster: about %s of building.\n",
		measured, trimFloat(plan.Speedup), plan.Estimate(o.Drones*o.Slots).Round(time.Second))
	if plan.FailFirst != "" {
		fmt.Fprintf(w, "  %s fails its first attempt, to show a retry.\n", plan.FailFirst)
	}
	fmt.Fprintln(w)
}

// demoProgress shows the demo's progress: one line redrawn in place on a
// terminal, otherwise a plain line every plainEvery; news lines either way.
type demoProgress struct {
	w     io.Writer
	p     palette
	live  bool
	total int
	shown string    // the last line printed
	at    time.Time // when it was printed
	drawn bool      // a live line is on the screen
	width int       // of the terminal, for a live line
}

// plainEvery is how often a plain progress line is printed when not on a
// terminal.
const plainEvery = 3 * time.Second

func newDemoProgress(w io.Writer, p palette, live bool, total int) *demoProgress {
	return &demoProgress{w: w, p: p, live: live, total: total, width: termWidth(w)}
}

// update shows one progress report.
func (d *demoProgress) update(pr demo.Progress) {
	for _, n := range pr.News {
		d.clear()
		fmt.Fprintf(d.w, "%s %s\n", d.p.dim(elapsed(pr.Elapsed)), termsafe.Line(n))
	}
	line := d.line(pr)
	switch {
	case d.live:
		d.clear()
		fmt.Fprint(d.w, line)
		d.drawn = true
	case line != d.shown && (time.Since(d.at) >= plainEvery || pr.Drained()):
		fmt.Fprintln(d.w, line)
		d.shown, d.at = line, time.Now()
	}
}

// finish ends the live line.
func (d *demoProgress) finish() {
	if d.drawn {
		fmt.Fprintln(d.w)
		d.drawn = false
	}
}

// clear erases the live line, if one is drawn.
func (d *demoProgress) clear() {
	if d.drawn {
		fmt.Fprint(d.w, "\r\x1b[K")
		d.drawn = false
	}
}

// segment is a part of a progress line: its text, coloured or not, and
// how much it matters when a terminal is too narrow for the whole line
// (rank 0 always stays; the highest rank goes first).
type segment struct {
	plain, shown string
	rank         int
}

// line is one progress line: elapsed, a bar (on a terminal), the queue, the
// rate and the drones. A live line must fit the terminal's width, or
// redrawing it in place would scroll: the least useful parts go first.
func (d *demoProgress) line(pr demo.Progress) string {
	q := pr.Queue
	var segs []segment
	add := func(rank int, plain string, paint func(string) string) {
		segs = append(segs, segment{plain: plain, shown: paint(plain), rank: rank})
	}
	same := func(s string) string { return s }
	add(0, elapsed(pr.Elapsed), same)
	if d.live {
		add(5, barText(q.Built, q.Failed, pr.Total, 16), d.paintBar)
	}
	add(0, fmt.Sprintf("%d/%d built", q.Built, pr.Total), d.p.green)
	add(2, fmt.Sprintf("%d building", q.Building), same)
	add(7, fmt.Sprintf("%d needed", q.Needed), same)
	if q.Failed > 0 {
		add(1, fmt.Sprintf("%d failed", q.Failed), d.p.red)
	}
	add(6, rate(pr.PerMinute())+"/min", same)
	drones := plural(pr.DronesBusy, "drone", "drones") + " busy"
	if off := pr.DronesTotal - pr.DronesOnline; off > 0 && pr.DronesTotal > 0 {
		drones += fmt.Sprintf(", %d offline", off)
	}
	add(4, drones, same)
	if pr.Paused != "" {
		add(3, "paused: "+pr.Paused, d.p.yellow)
	}
	if d.live {
		segs = fitWidth(segs, d.width-1)
	}
	shown := make([]string, len(segs))
	for i, sg := range segs {
		shown[i] = sg.shown
	}
	return strings.Join(shown, "  ")
}

// rate prints a rate with a fraction only while it is small: 2.5, 112.
func rate(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f", r)
	}
	return trimFloat(r)
}

// fitWidth drops the highest-ranked segments until the line, two spaces
// between segments, is at most width characters (or only rank 0 is left).
func fitWidth(segs []segment, width int) []segment {
	length := func(ss []segment) int {
		n := 2 * max(len(ss)-1, 0)
		for _, s := range ss {
			n += utf8.RuneCountInString(s.plain)
		}
		return n
	}
	for length(segs) > width {
		worst := 0
		for i, s := range segs {
			if s.rank > segs[worst].rank {
				worst = i
			}
		}
		if segs[worst].rank == 0 {
			break
		}
		segs = slices.Delete(segs, worst, worst+1)
	}
	return segs
}

// barText draws built and failed out of total in width cells: # built,
// ! failed, . to do.
func barText(built, failed, total, width int) string {
	if total <= 0 {
		return "[]"
	}
	full := min(width, built*width/total)
	bad := min(width-full, failed*width/total)
	return "[" + strings.Repeat("#", full) + strings.Repeat("!", bad) + strings.Repeat(".", width-full-bad) + "]"
}

// paintBar colours a bar drawn by barText.
func (d *demoProgress) paintBar(bar string) string {
	inner := bar[1 : len(bar)-1]
	built := strings.Count(inner, "#")
	failed := strings.Count(inner, "!")
	return "[" + d.p.green(inner[:built]) + d.p.red(inner[built:built+failed]) + inner[built+failed:] + "]"
}

// elapsed prints a demo time: "  12.3s".
func elapsed(d time.Duration) string { return fmt.Sprintf("%6.1fs", d.Seconds()) }

// printDemoNext says how the demo went and what to try next.
func printDemoNext(w io.Writer, dir string, plan demo.Plan, res *demo.Result, kept bool) {
	fmt.Fprintf(w, "Drained in %s; every process stopped %s later. ",
		res.Last.Elapsed.Round(100*time.Millisecond), (res.Elapsed - res.Last.Elapsed).Round(100*time.Millisecond))
	if !kept {
		fmt.Fprintln(w, "The farm is stopped and its folder removed.")
		fmt.Fprintln(w, "To look around a farm afterwards, run it with --keep:")
		fmt.Fprintln(w, "  swarm demo --keep")
	} else {
		fmt.Fprintf(w, "The farm is stopped; its folder is kept: %s\n", dir)
		fmt.Fprintln(w, "Look around it:")
		fmt.Fprintf(w, "  swarm queue --dir %s\n", dir)
		fmt.Fprintf(w, "  swarm log --dir %s -n 20\n", dir)
		if plan.FailFirst != "" {
			fmt.Fprintf(w, "  swarm replay --dir %s --explain %s\n", dir, plan.FailFirst)
		}
		fmt.Fprintf(w, "  ls %s/logs %s/builds\n", dir, dir)
	}
	fmt.Fprintln(w, "Start a farm of your own:")
	fmt.Fprintln(w, "  swarm init ~/farm && cd ~/farm && swarm drones add build-01")
}

// isTerminal reports whether w is a terminal (a live line needs one, with
// or without colour).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
