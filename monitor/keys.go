package monitor

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// keyMap is the monitor's keys; the footer and the help screen are drawn
// from it, so they cannot drift from what the keys do.
type keyMap struct {
	Up, Down, Events, Error, Filter, Back, Help, Quit key.Binding
}

var keys = keyMap{
	Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
	Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
	Events: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "events")),
	Error:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "error")),
	Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
	Back:   key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
	Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	Quit:   key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
}

// ShortHelp is the footer: the keys that open things first, so a narrow
// terminal drops the arrows.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Events, k.Error, k.Filter, k.Help, k.Quit, k.Up, k.Down}
}

// FullHelp is the help screen's columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Events, k.Error}, {k.Filter, k.Back, k.Help, k.Quit}}
}

// helpView draws k's help at width, cut with an ellipsis where it does
// not fit; grey, as the rest of the monitor's hints.
func helpView(width int, full bool) string {
	h := help.New()
	h.SetWidth(width)
	if full {
		return h.FullHelpView(keys.FullHelp())
	}
	return h.ShortHelpView(keys.ShortHelp())
}

// key answers one key press; a tea.Cmd when the program is to quit.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	if m.filtering {
		m.filterKey(k)
		return nil
	}
	switch {
	case key.Matches(k, keys.Quit):
		return tea.Quit
	case key.Matches(k, keys.Back):
		if m.mode == modeTable && m.filter != "" {
			m.filter = ""
		}
		m.mode = modeTable
	case key.Matches(k, keys.Help):
		m.mode = modeHelp
	case key.Matches(k, keys.Filter):
		m.mode, m.filtering = modeTable, true
	case key.Matches(k, keys.Up):
		m.cursor--
		m.selected()
	case key.Matches(k, keys.Down):
		m.cursor++
		m.selected()
	case key.Matches(k, keys.Events):
		if it, ok := m.selected(); ok && m.mode == modeTable {
			m.mode, m.detail = modeEvents, it
		}
	case key.Matches(k, keys.Error):
		return m.openError()
	}
	return nil
}

// openError shows the error context of the selected row's last failure,
// or, from a recent-events screen, of what it shows, and asks the
// orchestrator for its kept build log.
func (m *Model) openError() tea.Cmd {
	switch m.mode {
	case modeEvents:
		m.mode = modeError
	case modeTable:
		it, ok := m.selected()
		if !ok {
			return nil
		}
		m.mode, m.detail = modeError, it
	default:
		return nil
	}
	e, ok := m.lastFailure(m.detail)
	if !ok || m.fetch == nil {
		return nil
	}
	return m.fetch(e.Atom)
}

// filterKey edits the filter: enter keeps it, esc drops it.
func (m *Model) filterKey(k tea.KeyPressMsg) {
	switch k.String() {
	case "enter":
		m.filtering = false
	case "esc":
		m.filtering, m.filter = false, ""
	case "backspace":
		if r := []rune(m.filter); len(r) > 0 {
			m.filter = string(r[:len(r)-1])
		}
	default:
		m.filter += k.Text // printable keys carry their text; others none
	}
	m.cursor = 0
}
