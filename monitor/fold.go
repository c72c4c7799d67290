package monitor

import (
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// recentMax is how many events the model keeps per drone and per package
// for the recent-events view.
const recentMax = 50

// EventMsg carries one event of the stream into the model.
type EventMsg struct{ Event events.Event }

// TickMsg moves the model's clock: elapsed times, the rate and the ETA
// are computed against it.
type TickMsg time.Time

// StreamErrMsg says the stream ended for good (a refused token, say).
type StreamErrMsg struct{ Err error }

// heartbeatLevel are the events that say nothing an operator looks for in
// a drone's recent events unless nothing else happened.
func heartbeatLevel(t events.Type) bool {
	return t == events.TypeLeaseRenewed || t == events.TypeDroneHealth
}

// fold applies e to the state and remembers it under its drone and its
// package, and as the last failure of its package when it is one.
func (m *Model) fold(e events.Event) {
	m.st.Apply(&e)
	if heartbeatLevel(e.Type) {
		return
	}
	if e.Drone != "" {
		m.recent[droneKey(e.Drone)] = keep(m.recent[droneKey(e.Drone)], e)
	} else if e.Actor != "" && e.Actor != "operator" && e.Actor != "orchestrator" {
		m.recent[droneKey(e.Actor)] = keep(m.recent[droneKey(e.Actor)], e)
	}
	if e.Atom != "" {
		m.recent[pkgKey(e.Atom)] = keep(m.recent[pkgKey(e.Atom)], e)
	}
	if (e.Type == events.TypeFailed || e.Type == events.TypeStartFailed) && e.Atom != "" {
		m.failures[e.Atom] = e
		delete(m.logs, e.Atom) // the log fetched was an earlier attempt's
	}
}

func droneKey(id string) string { return "drone " + id }
func pkgKey(atom string) string { return "package " + atom }

// keep appends e, keeping at least the last recentMax events: the list
// grows to twice that before its older half is dropped, so a long log's
// first fold copies each event a bounded number of times, not fifty.
func keep(list []events.Event, e events.Event) []events.Event {
	list = append(list, e)
	if len(list) > 2*recentMax {
		list = append(list[:0], list[len(list)-recentMax:]...)
	}
	return list
}

// lastOf is the last n of list.
func lastOf(list []events.Event, n int) []events.Event {
	return list[max(0, len(list)-n):]
}

// elapsed says how long the drone's first task has run and how long it is
// expected to take ("3m10s/12m0s", "3m10s/?" when unknown).
func elapsed(st *projections.State, atom string, now time.Time) string {
	p, ok := st.Package(atom)
	if !ok || p.ClaimedAt.IsZero() {
		return ""
	}
	s := short(now.Sub(p.ClaimedAt)) + "/"
	if d, ok := st.Expected(projections.CP(atom)); ok {
		return s + short(d)
	}
	return s + "?"
}

// short prints a duration to the second, or the minute past an hour.
func short(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d >= time.Hour {
		return d.Truncate(time.Minute).String()
	}
	return d.Truncate(time.Second).String()
}
