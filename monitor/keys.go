package monitor

import tea "charm.land/bubbletea/v2"

// key answers one key press; a tea.Cmd when the program is to quit.
func (m *Model) key(k string) tea.Cmd {
	if m.filtering {
		m.filterKey(k)
		return nil
	}
	switch k {
	case "q", "ctrl+c":
		return tea.Quit
	case "esc", "backspace":
		if m.mode == modeTable && m.filter != "" {
			m.filter = ""
		}
		m.mode = modeTable
	case "?":
		m.mode = modeHelp
	case "/":
		m.mode, m.filtering = modeTable, true
	case "up", "k":
		m.cursor--
		m.selected()
	case "down", "j":
		m.cursor++
		m.selected()
	case "enter":
		if it, ok := m.selected(); ok && m.mode == modeTable {
			m.mode, m.detail = modeEvents, it
		}
	case "e":
		if it, ok := m.selected(); ok && (m.mode == modeTable || m.mode == modeEvents) {
			if m.mode == modeEvents {
				it = m.detail
			}
			m.mode, m.detail = modeError, it
		}
	}
	return nil
}

// filterKey edits the filter: enter keeps it, esc drops it.
func (m *Model) filterKey(k string) {
	switch k {
	case "enter":
		m.filtering = false
	case "esc":
		m.filtering, m.filter = false, ""
	case "backspace":
		if r := []rune(m.filter); len(r) > 0 {
			m.filter = string(r[:len(r)-1])
		}
	case "space":
		m.filter += " "
	default:
		if r := []rune(k); len(r) == 1 {
			m.filter += k
		}
	}
	m.cursor = 0
}
