package monitor

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// mode is which screen the model shows.
type mode int

const (
	modeTable  mode = iota // the header and the drones
	modeEvents             // a drone's or a package's recent events
	modeError              // a failed build's error context
	modeHelp               // the keys
)

// Model is the monitor's state: the folded farm, what the operator
// selected, and the screen size. Create it with New.
type Model struct {
	st       *projections.State
	recent   map[string][]events.Event // by droneKey and pkgKey
	failures map[string]events.Event   // the last failure of each atom
	source   string                    // where the events come from, for the header
	now      time.Time
	tick     time.Duration
	err      error
	// fetch asks the orchestrator for a package's kept build log and
	// answers with a BuildLogMsg; nil: the log excerpts alone.
	fetch func(atom string) tea.Cmd
	logs  map[string]BuildLogMsg // the answers, by atom
	// roster asks the orchestrator's drone list (admitted.go); admitted
	// is its last answer.
	roster   func() tea.Cmd
	admitted []projections.DroneRow

	width, height int
	mode          mode
	cursor        int    // the selected item in items()
	filter        string // shows the drones and packages whose name has it
	filtering     bool   // the operator is typing the filter
	detail        item   // what modeEvents and modeError show
}

// New returns a model with an empty farm; source names the orchestrator
// in the header and tick is how often the clock moves (0: no ticking,
// for tests that send TickMsg themselves).
func New(source string, tick time.Duration) *Model {
	return &Model{
		st: projections.New(), recent: map[string][]events.Event{},
		failures: map[string]events.Event{}, logs: map[string]BuildLogMsg{}, source: source, tick: tick,
		width: 80, height: 24,
	}
}

// FetchLogs makes e ask fetch for the failed package's kept build log
// (its error context), shown in place of the failure's log excerpt.
func (m *Model) FetchLogs(fetch func(atom string) tea.Cmd) { m.fetch = fetch }

// BuildLogMsg is the orchestrator's answer for a package's build log.
type BuildLogMsg struct {
	Atom    string
	Attempt string // "N of M"
	Drone   string
	Text    string // the error context
	Err     error
}

// State is the farm as folded so far (for tests).
func (m *Model) State() *projections.State { return m.st }

// Init starts the clock.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.nextTick(), m.askRoster()) }

func (m *Model) nextTick() tea.Cmd {
	if m.tick <= 0 {
		return nil
	}
	return tea.Tick(m.tick, func(t time.Time) tea.Msg { return TickMsg(t) })
}

// Update folds events, moves the clock and answers keys.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case EventMsg:
		m.fold(msg.Event)
		if msg.Event.Type == events.TypeConfigChanged {
			return m, m.askRoster()
		}
	case []EventMsg:
		for _, e := range msg {
			m.fold(e.Event)
		}
		if rosterChanged(msg) {
			return m, m.askRoster()
		}
	case RosterMsg:
		if msg.Err == nil {
			m.admitted = msg.Rows
		}
	case TickMsg:
		m.now = time.Time(msg)
		return m, m.nextTick()
	case BuildLogMsg:
		m.logs[msg.Atom] = msg
	case StreamErrMsg:
		m.err = msg.Err
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// clock is the model's now: the last tick, else the last event's time.
func (m *Model) clock() time.Time {
	if m.now.IsZero() {
		return m.st.Time
	}
	return m.now
}

// item is one selectable row: a drone or a failed package.
type item struct {
	drone bool
	key   string // the drone's id or the package's atom
}

// items lists the selectable rows in the order they are drawn: the drones
// by id, then the failed packages, each only when its name has the filter.
func (m *Model) items() (drones []projections.DroneRow, failed []commands.FailedPackage, all []item) {
	for _, d := range commands.Admit(m.st.DroneList(), m.admitted) {
		if strings.Contains(d.ID, m.filter) || m.filter == "" {
			drones = append(drones, d)
			all = append(all, item{drone: true, key: d.ID})
		}
	}
	for _, f := range commands.FailedPackages(m.st) {
		if strings.Contains(f.Atom, m.filter) || m.filter == "" {
			failed = append(failed, f)
			all = append(all, item{key: f.Atom})
		}
	}
	return drones, failed, all
}

func (m *Model) selected() (item, bool) {
	_, _, all := m.items()
	if len(all) == 0 {
		return item{}, false
	}
	m.cursor = min(max(m.cursor, 0), len(all)-1)
	return all[m.cursor], true
}
