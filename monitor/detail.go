package monitor

import (
	"fmt"
	"strings"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/portage"
)

// helpLines are the help screen: the keys, and what the colours mean.
func (m *Model) helpLines() []string {
	lines := []string{bold.Render("swarm monitor: keys"), ""}
	lines = append(lines, strings.Split(helpView(m.width, true), "\n")...)
	return append(lines, "",
		"Rows: "+green.Render("building")+" · "+yellow.Render("idle")+" · "+
			red.Render("grounded or unhealthy")+" · "+grey.Render("offline"),
		"ELAPSED is the build's time so far over its expected time.",
		"e: portage's error block of the drone's log excerpt;",
		"swarm logs ATOM prints the whole log.")
}

func (it item) title() string {
	if it.drone {
		return "drone " + termsafe.Line(it.key)
	}
	return "package " + termsafe.Line(it.key)
}

// eventLines are the selected drone's or package's recent events, newest
// last, heartbeat-level ones left out.
func (m *Model) eventLines() []string {
	key := pkgKey(m.detail.key)
	if m.detail.drone {
		key = droneKey(m.detail.key)
	}
	lines := []string{bold.Render("Recent events of " + m.detail.title()), ""}
	list := lastOf(m.recent[key], recentMax)
	if len(list) == 0 {
		lines = append(lines, grey.Render("  none since the monitor started"))
	}
	if room := m.height - 4; room > 0 && len(list) > room {
		list = list[len(list)-room:]
	}
	for _, e := range list {
		lines = append(lines, eventLine(e))
	}
	return append(lines, "", helpView(m.width, false))
}

// eventLine is one event in a line: when, which, what and why.
func eventLine(e events.Event) string {
	parts := []string{fmt.Sprintf("%6d", e.Seq), e.Time.UTC().Format("15:04:05"), e.Type.String()}
	for _, s := range []string{e.Atom, e.Drone, e.Signature, e.Reason} {
		if s != "" {
			parts = append(parts, termsafe.Line(s))
		}
	}
	line := strings.Join(parts, " ")
	if e.Type == events.TypeFailed || e.Type == events.TypeStartFailed {
		return red.Render(line)
	}
	return line
}

// lastFailure is the failure the error view shows: the package's last,
// or the last build the drone failed.
func (m *Model) lastFailure(it item) (events.Event, bool) {
	if !it.drone {
		e, ok := m.failures[it.key]
		return e, ok
	}
	var last events.Event
	for _, e := range m.failures {
		if e.Drone == it.key && e.Seq > last.Seq {
			last = e
		}
	}
	return last, last.Seq != 0
}

// errorLines show a failed build's error context: portage's "* ERROR"
// block of the log excerpt the drone reported with its failure.
func (m *Model) errorLines() []string {
	lines := []string{bold.Render("Error context: " + m.detail.title()), ""}
	e, ok := m.lastFailure(m.detail)
	if !ok {
		lines = append(lines, grey.Render("  no failed build seen"))
		return append(lines, "", helpView(m.width, false))
	}
	// What failed first, so a narrow terminal cuts the less telling part.
	lines = append(lines, red.Render(termsafe.Line(firstOf(e.Signature, e.Reason))+": "+termsafe.Line(e.Atom)),
		fmt.Sprintf("on %s at %s", termsafe.Line(e.Drone), e.Time.UTC().Format("2006-01-02 15:04:05Z")), "")
	from, text := m.errorContext(e)
	lines = append(lines, grey.Render(from), "")
	lines = append(lines, strings.Split(strings.TrimRight(termsafe.Block(text), "\n"), "\n")...)
	return append(lines, "", helpView(m.width, false))
}

// errorContext is what the error view shows of failure e and where it
// comes from: the orchestrator's kept build log once it answered, else
// the log excerpt the drone reported with the failure.
func (m *Model) errorContext(e events.Event) (from, text string) {
	if l, ok := m.logs[e.Atom]; ok && l.Err == nil && l.Text != "" {
		return fmt.Sprintf("From the build log (attempt %s, on %s):", termsafe.Line(l.Attempt), termsafe.Line(l.Drone)), l.Text
	}
	from = "From the log excerpt the drone reported:"
	if l, ok := m.logs[e.Atom]; ok && l.Err != nil {
		from = "From the log excerpt the drone reported (build log: " + termsafe.Line(l.Err.Error()) + "):"
	} else if m.fetch != nil && !ok {
		from = "From the log excerpt the drone reported (asking for the build log…):"
	}
	text = string(portage.ErrorContext([]byte(e.Excerpt)))
	if strings.TrimSpace(text) == "" {
		text = "(no log excerpt: swarm logs " + e.Atom + ")"
	}
	return from, text
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
