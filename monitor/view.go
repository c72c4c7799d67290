package monitor

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/projections"
)

// The colours of the drones' statuses, in the terminal's own 16 colours
// so they follow its theme: green building, yellow idle, red grounded (or
// unhealthy), grey offline.
var (
	green  = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	yellow = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	red    = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	grey   = lipgloss.NewStyle().Foreground(lipgloss.Color("8"))
	bold   = lipgloss.NewStyle().Bold(true)
)

// statusStyle is the colour of a drone's row.
func statusStyle(s projections.DroneStatus) lipgloss.Style {
	switch s {
	case projections.DroneBuilding:
		return green
	case projections.DroneIdle:
		return yellow
	case projections.DroneOffline, commands.DroneAdmitted: // admitted: never heard from
		return grey
	}
	return red // grounded, degraded, critical, recovering
}

// View draws the screen the mode says.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "swarm monitor"
	return v
}

// Render is the screen as text, each line cut to the terminal's width.
func (m *Model) Render() string {
	var lines []string
	switch m.mode {
	case modeEvents:
		lines = m.eventLines()
	case modeError:
		lines = m.errorLines()
	case modeHelp:
		lines = m.helpLines()
	default:
		lines = m.tableLines()
	}
	if m.height > 0 && len(lines) > m.height {
		lines = lines[:m.height]
	}
	for i, l := range lines {
		lines[i] = fit(l, m.width)
	}
	return strings.Join(lines, "\n")
}

// fit cuts a line (which may hold colour codes) to width cells, with an
// ellipsis where it was cut.
func fit(s string, width int) string {
	if width <= 0 {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// header is the farm at a glance: the queue, the binary share, the rate
// and the ETA, and what stops the farm.
func (m *Model) header() []string {
	now := m.clock()
	s := m.st.Status()
	q := s.Queue
	lines := []string{
		bold.Render("swarm monitor") + " " + termsafe.Line(m.source) + fmt.Sprintf(" · event %d", s.Seq),
		fmt.Sprintf("Queue: %d needed · %d building · %d built · %d failed", q.Needed, q.Building, q.Built, q.Failed),
	}
	binary := "no world yet"
	if b := s.Binary; b.Total > 0 {
		binary = fmt.Sprintf("%d%% (%d/%d)", b.Available*100/b.Total, b.Available, b.Total)
	}
	eta := "–"
	if e, ok := commands.EstimateETA(m.st, now); ok {
		eta = short(e.At.Sub(now))
	}
	lines = append(lines, fmt.Sprintf("Binary: %s · Rate: %.1f/h · ETA: %s",
		binary, commands.RatePerHour(m.st, now), eta))
	if s.Paused != nil {
		lines = append(lines, red.Render("Paused: "+termsafe.Line(s.Paused.Reason)))
	}
	if s.Stuck != "" {
		lines = append(lines, red.Render("Stuck: "+termsafe.Line(s.Stuck)))
	}
	if m.err != nil {
		lines = append(lines, red.Render("Stream: "+termsafe.Line(m.err.Error())))
	}
	return lines
}
