package monitor

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
)

// The fixed columns' widths; the drone's name and its task share the rest.
const (
	wMark    = 2 // "› " on the selected row
	wStatus  = 10
	wHealth  = 10
	wElapsed = 11
	wCPU     = 4
	wRAM     = 4
	minName  = 6
	// wideFrom is the width from which HEALTH has a column of its own;
	// narrower, STATUS still names an unhealthy drone's health.
	wideFrom = 80
)

// layout is the widths of the drone and task columns at a width, and
// whether HEALTH is shown.
type layout struct {
	name, task int
	health     bool
}

func columns(width int) layout {
	l := layout{health: width >= wideFrom}
	rest := width - wMark - wStatus - wElapsed - wCPU - wRAM - 5 // the spaces between
	if l.health {
		rest -= wHealth + 1
	}
	l.name = max(minName, min(24, rest*2/5))
	l.task = max(minName, rest-l.name)
	return l
}

// cell pads or cuts s to exactly n cells, with an ellipsis where cut.
func cell(s string, n int) string {
	s = ansi.Truncate(s, n, "…")
	return s + strings.Repeat(" ", max(0, n-ansi.StringWidth(s)))
}

func (l layout) row(mark, name, status, health, task, elapsed, cpu, ram string) string {
	cells := []string{cell(mark, wMark-1), cell(name, l.name), cell(status, wStatus)}
	if l.health {
		cells = append(cells, cell(health, wHealth))
	}
	cells = append(cells, cell(task, l.task), cell(elapsed, wElapsed),
		fmt.Sprintf("%*s", wCPU, cpu), fmt.Sprintf("%*s", wRAM, ram))
	return strings.Join(cells, " ")
}

// tableLines is the header, one row per drone and the failed packages;
// when they do not all fit, the part of the rows around the selection.
func (m *Model) tableLines() []string {
	top := m.header()
	if m.filtering || m.filter != "" {
		cur := ""
		if m.filtering {
			cur = "▏"
		}
		top = append(top, "Filter: "+termsafe.Line(m.filter)+cur)
	}
	cols := columns(m.width)
	top = append(top, "", bold.Render(cols.row("", "DRONE", "STATUS", "HEALTH", "TASK", "ELAPSED", "CPU", "RAM")))
	body, at := m.bodyLines(cols)
	if room := m.height - len(top) - 2; m.height > 0 && len(body) > room && room > 0 {
		from := min(max(0, at-room/2), len(body)-room)
		body = body[from : from+room]
	}
	return append(append(top, body...), "", helpView(m.width, false))
}

// bodyLines are the drones' rows and the failed packages, and the index of
// the selected one.
func (m *Model) bodyLines(cols layout) (lines []string, selected int) {
	drones, failed, _ := m.items()
	sel, _ := m.selected()
	now := m.clock()
	for _, r := range drones {
		if sel == (item{drone: true, key: r.ID}) {
			selected = len(lines)
		}
		lines = append(lines, m.droneRow(cols, r.ID, mark(sel, item{drone: true, key: r.ID}), now))
	}
	if len(drones) == 0 {
		lines = append(lines, grey.Render("  no drones"))
	}
	if len(failed) > 0 {
		lines = append(lines, "", bold.Render(fmt.Sprintf("Failed packages (%d)", len(failed))))
		for _, f := range failed {
			if sel == (item{key: f.Atom}) {
				selected = len(lines)
			}
			lines = append(lines, red.Render(fmt.Sprintf("%s %s  %s on %d drone(s)",
				cell(mark(sel, item{key: f.Atom}), wMark-1), termsafe.Line(f.Atom), termsafe.Line(f.Reason), f.Drones)))
		}
	}
	return lines, selected
}

// droneRow is one drone's row, coloured by its status.
func (m *Model) droneRow(cols layout, id, mark string, now time.Time) string {
	d, known := m.st.Drone(id)
	if !known { // admitted in config.toml, never called
		line := cols.row(mark, termsafe.Line(id), string(commands.DroneAdmitted), "–", "never called", "", "", "")
		return statusStyle(commands.DroneAdmitted).Render(line)
	}
	status := d.StatusAt(now)
	task, el, cpu, ram := "", "", "", ""
	if len(d.Tasks) > 0 {
		task, el = d.Tasks[0], elapsed(m.st, d.Tasks[0], now)
		if len(d.Tasks) > 1 {
			task = fmt.Sprintf("%s +%d", task, len(d.Tasks)-1)
		}
	}
	if d.Online {
		cpu, ram = fmt.Sprintf("%.0f%%", d.CPUPercent), fmt.Sprintf("%.0f%%", d.MemoryPercent)
	} else if !d.LastSeen.IsZero() {
		el = short(now.Sub(d.LastSeen)) + " ago" // offline: when it was last heard, not stale figures
	}
	health := string(d.Health)
	if health == "" {
		health = "–"
	}
	line := cols.row(mark, termsafe.Line(id), string(status), health, termsafe.Line(task), el, cpu, ram)
	return statusStyle(status).Render(line)
}

func mark(sel, it item) string {
	if sel == it {
		return "›"
	}
	return ""
}
