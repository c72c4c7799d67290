package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/swarm-build/swarm/internal/demo"
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
}

// plainEvery is how often a plain progress line is printed when not on a
// terminal.
const plainEvery = 3 * time.Second

func newDemoProgress(w io.Writer, p palette, live bool, total int) *demoProgress {
	return &demoProgress{w: w, p: p, live: live, total: total}
}

// update shows one progress report.
func (d *demoProgress) update(pr demo.Progress) {
	for _, n := range pr.News {
		d.clear()
		fmt.Fprintf(d.w, "%s %s\n", d.p.dim(elapsed(pr.Elapsed)), n)
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

// line is one progress line: elapsed, a bar (on a terminal), the queue, the
// rate and the drones.
func (d *demoProgress) line(pr demo.Progress) string {
	q := pr.Queue
	var b strings.Builder
	b.WriteString(elapsed(pr.Elapsed) + "  ")
	if d.live {
		b.WriteString(d.bar(q.Built, q.Failed, pr.Total, 20) + "  ")
	}
	fmt.Fprintf(&b, "%s · %d building · %d needed", d.p.green(fmt.Sprintf("%d/%d built", q.Built, pr.Total)),
		q.Building, q.Needed)
	if q.Failed > 0 {
		b.WriteString(" · " + d.p.red(fmt.Sprintf("%d failed", q.Failed)))
	}
	fmt.Fprintf(&b, "   %s/min   drones %d/%d online, %d busy", trimFloat(pr.PerMinute()),
		pr.DronesOnline, pr.DronesTotal, pr.DronesBusy)
	if pr.Paused != "" {
		b.WriteString("   " + d.p.yellow("paused: "+pr.Paused))
	}
	return b.String()
}

// bar draws done out of total in width cells.
func (d *demoProgress) bar(built, failed, total, width int) string {
	if total <= 0 {
		return ""
	}
	full := min(width, built*width/total)
	bad := min(width-full, failed*width/total)
	return "[" + d.p.green(strings.Repeat("#", full)) + d.p.red(strings.Repeat("!", bad)) +
		strings.Repeat(".", width-full-bad) + "]"
}

// elapsed prints a demo time: "  12.3s".
func elapsed(d time.Duration) string { return fmt.Sprintf("%6.1fs", d.Seconds()) }

// printDemoNext says how the demo went and what to try next.
func printDemoNext(w io.Writer, dir string, plan demo.Plan, res *demo.Result, kept bool) {
	fmt.Fprintf(w, "Drained in %s. ", res.Elapsed.Round(100*time.Millisecond))
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
