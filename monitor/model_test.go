package monitor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

var t0 = time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)

const longName = "a-drone-with-a-name-far-longer-than-any-column-could-hold"

// farm is a fleet in every status: building, idle, grounded, offline, a
// long-named one, and a package that failed with an error in its log.
func farm() []events.Event {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	reg := func(id string, s int) events.Event {
		return events.Event{Type: events.TypeDroneRegistered, Actor: id, Cores: 4, MemoryMB: 8192, Time: at(s)}
	}
	return []events.Event{
		reg("builder", 1), reg("idler", 2), reg("grounder", 3), reg("sleeper", 4), reg(longName, 5),
		{Type: events.TypeEnqueued, Actor: "operator", Atom: "=dev-libs/foo-1.0", Time: at(6)},
		{Type: events.TypeEnqueued, Actor: "operator", Atom: "=app-misc/broken-0.1", Time: at(6)},
		{Type: events.TypeDurationLearned, Actor: "operator", Atom: "dev-libs/foo", Count: 600000, Time: at(6)},
		{Type: events.TypeClaimed, Actor: "builder", Drone: "builder", Atom: "=dev-libs/foo-1.0", Fence: 1, Lease: time.Minute, Time: at(10)},
		{Type: events.TypeDroneHealth, Actor: "builder", Health: "healthy", CPUPercent: 87, MemoryPercent: 41, Time: at(11)},
		{Type: events.TypeClaimed, Actor: "idler", Drone: "idler", Atom: "=app-misc/broken-0.1", Fence: 2, Lease: time.Minute, Time: at(12)},
		{Type: events.TypeFailed, Actor: "idler", Drone: "idler", Atom: "=app-misc/broken-0.1", Fence: 2, Final: true,
			Signature: "compile-error", Excerpt: ">>> Compiling source\nmake: *** [all] Error 1\n * ERROR: app-misc/broken-0.1::gentoo failed (compile phase):\n *   emake failed\n", Time: at(13)},
		{Type: events.TypeGrounded, Actor: "operator", Drone: "grounder", Reason: "bad disk", Time: at(14)},
		{Type: events.TypeDroneOffline, Actor: "orchestrator", Drone: "sleeper", Time: at(15)},
	}
}

func newFarm(t *testing.T, width int) *Model {
	t.Helper()
	m := New("http://127.0.0.1:7000", 0)
	for i, e := range farm() {
		e.Seq = uint64(i + 1)
		m.Update(EventMsg{Event: e})
	}
	m.Update(TickMsg(t0.Add(70 * time.Second)))
	m.Update(tea.WindowSizeMsg{Width: width, Height: 40})
	return m
}

// lineOf is the rendered line (with its colour codes) that has s.
func lineOf(t *testing.T, screen, s string) string {
	t.Helper()
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(ansi.Strip(l), s) {
			return l
		}
	}
	t.Fatalf("no line has %q in:\n%s", s, ansi.Strip(screen))
	return ""
}

func TestRowsAndColours(t *testing.T) {
	for _, width := range []int{100, 60, 40} {
		m := newFarm(t, width)
		screen := m.Render()
		for _, tc := range []struct{ drone, status, sgr string }{
			{"builder", "building", "\x1b[32m"},
			{"idler", "idle", "\x1b[33m"},
			{"grounder", "grounded", "\x1b[31m"},
			{"sleeper", "offline", "\x1b[90m"},
		} {
			l := lineOf(t, screen, "  "+tc.drone[:5])
			if !strings.HasPrefix(l, tc.sgr) {
				t.Errorf("width %d: %s's row is not coloured %q: %q", width, tc.drone, tc.sgr, l)
			}
			if width >= 60 && !strings.Contains(ansi.Strip(l), tc.status) {
				t.Errorf("width %d: %s's row lacks %q: %q", width, tc.drone, tc.status, ansi.Strip(l))
			}
		}
		for _, l := range strings.Split(screen, "\n") {
			if w := ansi.StringWidth(l); w > width {
				t.Errorf("width %d: a line of %d cells: %q", width, w, ansi.Strip(l))
			}
		}
		if l := ansi.Strip(lineOf(t, screen, "a-dro")); !strings.Contains(l, "…") {
			t.Errorf("width %d: the long name is not cut with an ellipsis: %q", width, l)
		}
	}
}

func TestBuildingRow(t *testing.T) {
	l := ansi.Strip(lineOf(t, newFarm(t, 100).Render(), "builder"))
	for _, want := range []string{"=dev-libs/foo-1.0", "1m0s/10m0s", "87%", "41%", "healthy"} {
		if !strings.Contains(l, want) {
			t.Errorf("builder's row lacks %q: %q", want, l)
		}
	}
}

func TestHeader(t *testing.T) {
	screen := ansi.Strip(newFarm(t, 100).Render())
	for _, want := range []string{"Queue: 0 needed · 1 building · 0 built · 1 failed", "Rate: 0.0/h", "ETA: ", "Binary: 0% (0/2)", "event 14"} {
		if !strings.Contains(screen, want) {
			t.Errorf("header lacks %q:\n%s", want, screen)
		}
	}
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		default:
			msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}
		m.Update(msg)
	}
}

func TestErrorContextOfAFailure(t *testing.T) {
	m := newFarm(t, 100)
	press(m, "/", "b", "r", "o", "k", "enter") // leaves the failed package alone
	if l := lineOf(t, m.Render(), "=app-misc/broken-0.1"); !strings.Contains(l, "›") {
		t.Fatalf("the filtered failure is not selected: %q", ansi.Strip(l))
	}
	press(m, "e")
	screen := ansi.Strip(m.Render())
	for _, want := range []string{"Error context: package =app-misc/broken-0.1", "compile-error", "* ERROR: app-misc/broken-0.1::gentoo failed", "emake failed"} {
		if !strings.Contains(screen, want) {
			t.Errorf("error view lacks %q:\n%s", want, screen)
		}
	}
	press(m, "esc")
	if !strings.Contains(ansi.Strip(m.Render()), "DRONE") {
		t.Error("esc does not go back to the drones")
	}
}

func TestRecentEventsOfADrone(t *testing.T) {
	m := newFarm(t, 100)
	press(m, "/", "i", "d", "l", "e", "r", "enter", "enter")
	screen := ansi.Strip(m.Render())
	for _, want := range []string{"Recent events of drone idler", "claimed =app-misc/broken-0.1", "failed =app-misc/broken-0.1"} {
		if !strings.Contains(screen, want) {
			t.Errorf("events view lacks %q:\n%s", want, screen)
		}
	}
	press(m, "e") // the drone's last failure
	if s := ansi.Strip(m.Render()); !strings.Contains(s, "emake failed") {
		t.Errorf("e from a drone's events does not show its failure:\n%s", s)
	}
}

func TestQuitAndHelp(t *testing.T) {
	m := newFarm(t, 60)
	press(m, "?")
	if s := ansi.Strip(m.Render()); !strings.Contains(s, "swarm monitor: keys") {
		t.Errorf("? shows no help:\n%s", s)
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("q does not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q does not quit")
	}
}

// TestManyDronesScrollToTheSelection: more drones than lines; the
// selection stays on screen, as do the header and the keys.
func TestManyDronesScrollToTheSelection(t *testing.T) {
	m := New("farm", 0)
	var batch []EventMsg
	for i := range 100 {
		batch = append(batch, EventMsg{Event: events.Event{Seq: uint64(i + 1), Type: events.TypeDroneRegistered,
			Actor: fmt.Sprintf("d%03d", i), Time: t0}})
	}
	m.Update(batch)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	for range 80 {
		press(m, "down")
	}
	screen := m.Render()
	if n := strings.Count(screen, "\n") + 1; n > 20 {
		t.Errorf("%d lines on a 20-line terminal", n)
	}
	if l := ansi.Strip(lineOf(t, screen, "d080")); !strings.Contains(l, "›") {
		t.Errorf("d080 is not the selected row: %q", l)
	}
	for _, want := range []string{"Queue:", "DRONE", "q quit"} {
		lineOf(t, screen, want)
	}
}

func TestRecentEventsOfAPackage(t *testing.T) {
	m := newFarm(t, 100)
	press(m, "/", "b", "r", "o", "k", "enter", "enter")
	screen := ansi.Strip(m.Render())
	for _, want := range []string{"Recent events of package =app-misc/broken-0.1", "enqueued =app-misc/broken-0.1",
		"claimed =app-misc/broken-0.1 idler", "failed =app-misc/broken-0.1 idler compile-error"} {
		if !strings.Contains(screen, want) {
			t.Errorf("events view lacks %q:\n%s", want, screen)
		}
	}
}

// TestErrorContextFromTheBuildLog: e asks the orchestrator for the kept
// build log and shows its error context once it answers; when it keeps
// none, the excerpt stays, with why.
func TestErrorContextFromTheBuildLog(t *testing.T) {
	for _, tc := range []struct {
		name string
		ans  BuildLogMsg
		want []string
	}{
		{"kept", BuildLogMsg{Attempt: "1 of 1", Drone: "idler", Text: " * ERROR: from the whole log\n"},
			[]string{"From the build log (attempt 1 of 1, on idler):", "* ERROR: from the whole log"}},
		{"none", BuildLogMsg{Err: fmt.Errorf("=app-misc/broken-0.1: no build log kept")},
			[]string{"(build log: =app-misc/broken-0.1: no build log kept)", "emake failed"}},
	} {
		m := newFarm(t, 100)
		var asked []string
		m.FetchLogs(func(atom string) tea.Cmd {
			asked = append(asked, atom)
			ans := tc.ans
			ans.Atom = atom
			return func() tea.Msg { return ans }
		})
		press(m, "/", "b", "r", "o", "k", "enter")
		_, cmd := m.Update(tea.KeyPressMsg{Code: 'e', Text: "e"})
		if cmd == nil || len(asked) != 1 || asked[0] != "=app-misc/broken-0.1" {
			t.Fatalf("%s: e asked for %q", tc.name, asked)
		}
		if s := ansi.Strip(m.Render()); !strings.Contains(s, "asking for the build log") {
			t.Errorf("%s: before the answer the view does not say it is asking:\n%s", tc.name, s)
		}
		m.Update(cmd())
		screen := ansi.Strip(m.Render())
		for _, want := range tc.want {
			if !strings.Contains(screen, want) {
				t.Errorf("%s: error view lacks %q:\n%s", tc.name, want, screen)
			}
		}
	}
}

// TestAdmittedDronesFromTheRoster: drones admitted in config.toml that
// never called are not in the events; the orchestrator's roster brings
// them in, grey and "admitted", and a drone that called since is the
// log's row, not the roster's. A config change asks for the roster again.
func TestAdmittedDronesFromTheRoster(t *testing.T) {
	m := newFarm(t, 60)
	asked := 0
	m.FetchRoster(func() tea.Cmd { asked++; return func() tea.Msg { return nil } })
	if strings.Contains(ansi.Strip(m.Render()), "newcomer") {
		t.Fatal("fixture: newcomer shown before the roster")
	}
	m.Update(RosterMsg{Rows: []projections.DroneRow{
		{ID: "newcomer", Status: commands.DroneAdmitted},
		{ID: "builder", Status: commands.DroneAdmitted}, // the roster's view is older than the log's
	}})
	screen := m.Render()
	l := lineOf(t, screen, "newcomer")
	if !strings.HasPrefix(l, "\x1b[90m") || !strings.Contains(ansi.Strip(l), "admitted") || !strings.Contains(ansi.Strip(l), "never called") {
		t.Errorf("newcomer's row: %q; want grey, admitted, never called", l)
	}
	if l := ansi.Strip(lineOf(t, screen, "builder")); !strings.Contains(l, "building") {
		t.Errorf("builder's row is the roster's, not the log's: %q", l)
	}
	for _, line := range strings.Split(screen, "\n") {
		if w := ansi.StringWidth(line); w > 60 {
			t.Errorf("a line of %d cells at 60 columns: %q", w, ansi.Strip(line))
		}
	}
	if _, cmd := m.Update(EventMsg{Event: events.Event{Seq: 99, Type: events.TypeConfigChanged, Actor: "operator", Time: t0}}); cmd == nil || asked != 1 {
		t.Errorf("a config change did not ask for the roster (asked %d)", asked)
	}
}
