package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The --json shapes, as CLI.md promises them. They are declared here rather
// than imported from projections so that these tests check the contract a
// script relies on, not whatever the Go types happen to be.

// status is `swarm status --json`.
type status struct {
	Seq   uint64 `json:"seq"`
	Queue struct {
		Needed   int `json:"needed"`
		Building int `json:"building"`
		Built    int `json:"built"`
		Failed   int `json:"failed"`
		Excluded int `json:"excluded"`
		Blocked  int `json:"blocked"`
	} `json:"queue"`
	Drones struct {
		Online   int `json:"online"`
		Total    int `json:"total"`
		Grounded int `json:"grounded"`
		Building int `json:"building"`
	} `json:"drones"`
	Paused *struct {
		Reason    string    `json:"reason"`
		Since     time.Time `json:"since"`
		Signature string    `json:"signature"`
	} `json:"paused"`
	Stuck string `json:"stuck"`
}

// queueRow is one element of `swarm queue --json`.
type queueRow struct {
	Atom        string   `json:"atom"`
	State       string   `json:"state"`
	Attempts    int      `json:"attempts"`
	Drone       string   `json:"drone"`
	LastFailure string   `json:"last_failure"`
	FailedOn    []string `json:"failed_on"`
	BuiltBy     string   `json:"built_by"`
	Binary      bool     `json:"binary"` // a verified build of it is in the live index
}

// droneRow is one element of `swarm drones --json`.
type droneRow struct {
	ID            string     `json:"id"`
	Status        string     `json:"status"`
	Health        string     `json:"health"`
	Online        bool       `json:"online"`
	Tasks         []string   `json:"tasks"`
	LastSeen      *time.Time `json:"last_seen"`
	GroundedUntil time.Time  `json:"grounded_until"`
}

// event is one line of `swarm log --json`.
type event struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Type      string    `json:"type"`
	Actor     string    `json:"actor"`
	Atom      string    `json:"atom"`
	Drone     string    `json:"drone"`
	Fence     uint64    `json:"fence"`
	Reason    string    `json:"reason"`
	Signature string    `json:"signature"`
	Health    string    `json:"health"`
	Final     bool      `json:"final"`
}

func (e event) String() string {
	s := fmt.Sprintf("#%d %s actor=%s", e.Seq, e.Type, e.Actor)
	for _, kv := range [][2]string{{"atom", e.Atom}, {"drone", e.Drone}, {"signature", e.Signature},
		{"health", e.Health}, {"reason", e.Reason}} {
		if kv[1] != "" {
			s += fmt.Sprintf(" %s=%q", kv[0], kv[1])
		}
	}
	return s
}

func (f *farm) status() status {
	f.t.Helper()
	var s status
	f.swarmJSON(&s, "status")
	return s
}

func (f *farm) queue() []queueRow {
	f.t.Helper()
	var rows []queueRow
	f.swarmJSON(&rows, "queue")
	return rows
}

func (f *farm) droneRows() map[string]droneRow {
	f.t.Helper()
	var rows []droneRow
	f.swarmJSON(&rows, "drones")
	m := make(map[string]droneRow, len(rows))
	for _, r := range rows {
		m[r.ID] = r
	}
	return m
}

// events returns the whole event log.
func (f *farm) events() eventList {
	f.t.Helper()
	out := f.swarm("log", "--json")
	var evs eventList
	for line := range strings.Lines(out) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			f.t.Fatalf("swarm log --json: %v in line %q", err, line)
		}
		evs = append(evs, e)
	}
	return evs
}

// eventList is a stretch of the event log, oldest first.
type eventList []event

// where returns the events for which keep holds.
func (l eventList) where(keep func(event) bool) eventList {
	var out eventList
	for _, e := range l {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// ofType returns the events of one type.
func (l eventList) ofType(typ string) eventList {
	return l.where(func(e event) bool { return e.Type == typ })
}

// by returns the events about one drone (as its actor or its subject).
func (l eventList) by(drone string) eventList {
	return l.where(func(e event) bool { return e.Drone == drone || e.Actor == drone })
}

// about returns the events of one atom.
func (l eventList) about(atom string) eventList {
	return l.where(func(e event) bool { return e.Atom == atom })
}

// after returns the events after seq.
func (l eventList) after(seq uint64) eventList {
	return l.where(func(e event) bool { return e.Seq > seq })
}

// perAtom counts the events per atom.
func (l eventList) perAtom() map[string]int {
	n := map[string]int{}
	for _, e := range l {
		n[e.Atom]++
	}
	return n
}

// first returns the first event, and false if there is none.
func (l eventList) first() (event, bool) {
	if len(l) == 0 {
		return event{}, false
	}
	return l[0], true
}

// String lists the events one per line, for failure messages.
func (l eventList) String() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}

// states counts the queue's packages per state.
func states(rows []queueRow) map[string]int {
	n := map[string]int{}
	for _, r := range rows {
		n[r.State]++
	}
	return n
}

// rowOf returns the queue row of atom.
func rowOf(rows []queueRow, atom string) (queueRow, bool) {
	for _, r := range rows {
		if r.Atom == atom {
			return r, true
		}
	}
	return queueRow{}, false
}
