package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/swarm-build/swarm/internal/demo"
	"github.com/swarm-build/swarm/projections"
)

var someProgress = demo.Progress{
	Elapsed: 12300 * time.Millisecond, Total: 60,
	Queue:        projections.QueueCounts{Needed: 30, Building: 6, Built: 23, Failed: 1},
	DronesOnline: 3, DronesTotal: 3, DronesBusy: 3,
}

// TestDemoLinePlain: off a terminal, the line has every part and no escapes.
func TestDemoLinePlain(t *testing.T) {
	d := newDemoProgress(new(strings.Builder), palette{}, false, 60)
	got := d.line(someProgress)
	want := "  12.3s  23/60 built  6 building  30 needed  1 failed  112/min  3 drones busy"
	if got != want {
		t.Errorf("line\n%q, want\n%q", got, want)
	}
}

// TestDemoLineFits: a live line never outgrows the terminal, dropping the
// least useful parts first and keeping the time, the built and the failed.
func TestDemoLineFits(t *testing.T) {
	for _, width := range []int{200, 80, 60, 40, 10} {
		d := &demoProgress{p: palette{on: true}, live: true, total: 60, width: width}
		plain := &demoProgress{live: true, total: 60, width: width}
		line, text := d.line(someProgress), plain.line(someProgress)
		if n := utf8.RuneCountInString(text); n > width-1 && width > 40 {
			t.Errorf("width %d: %d characters: %q", width, n, text)
		}
		for _, keep := range []string{"12.3s", "23/60 built", "1 failed"} {
			if !strings.Contains(text, keep) && (width >= 40 || keep != "1 failed") {
				t.Errorf("width %d: no %q in %q", width, keep, text)
			}
		}
		if width >= 80 && !strings.Contains(text, "[######..........]") {
			t.Errorf("width %d: no bar in %q", width, text)
		}
		if !strings.Contains(line, "\x1b[32m23/60 built\x1b[0m") {
			t.Errorf("width %d: not coloured: %q", width, line)
		}
	}
}

// TestDemoProgressPlainEvery: off a terminal, news always shows, the
// progress line at most every few seconds, and the last one always.
func TestDemoProgressPlainEvery(t *testing.T) {
	var out strings.Builder
	d := newDemoProgress(&out, palette{}, false, 60)
	p := someProgress
	d.update(p)
	p.Queue.Built++
	p.News = []string{"demo-1 joined the farm"}
	d.update(p)
	p.News = nil
	p.Queue = projections.QueueCounts{Built: 60}
	d.update(p)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "demo-1 joined the farm") || !strings.Contains(lines[2], "60/60 built") {
		t.Errorf("output:\n%s", out.String())
	}
}
